from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="EnvelopeCriteria")


@_attrs_define
class EnvelopeCriteria:
    """
    Attributes:
        health_threshold (int): Consecutive successes that bring a backend into rotation.
        interval (int): Seconds between probes.
        timeout (int): Seconds a probe may take.
        unhealth_threshold (int): Consecutive failures that take it out.
    """

    health_threshold: int
    interval: int
    timeout: int
    unhealth_threshold: int

    def to_dict(self) -> dict[str, Any]:
        health_threshold = self.health_threshold

        interval = self.interval

        timeout = self.timeout

        unhealth_threshold = self.unhealth_threshold

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "health-threshold": health_threshold,
                "interval": interval,
                "timeout": timeout,
                "unhealth-threshold": unhealth_threshold,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        health_threshold = d.pop("health-threshold")

        interval = d.pop("interval")

        timeout = d.pop("timeout")

        unhealth_threshold = d.pop("unhealth-threshold")

        envelope_criteria = cls(
            health_threshold=health_threshold,
            interval=interval,
            timeout=timeout,
            unhealth_threshold=unhealth_threshold,
        )

        return envelope_criteria
