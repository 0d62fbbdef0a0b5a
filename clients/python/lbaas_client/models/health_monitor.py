from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.protocol import Protocol
from ..types import UNSET, Unset

T = TypeVar("T", bound="HealthMonitor")


@_attrs_define
class HealthMonitor:
    """Active health checking of a pool's members.

    Attributes:
        health_threshold (int): Consecutive successes that bring a member UP, 1..=10.
        interval (int): Seconds between probes, 1..=3600.
        protocol (Protocol): A listener's protocol (HTTPS: TLS terminated by the nodes), a pool's protocol (HTTP or
            TCP: what its members speak) or a health monitor's (HTTPS: the probe speaks TLS, without
            verifying the member's certificate, as Octavia's HTTPS monitor does).
        timeout (int): Seconds a probe may take, 1..=3600, not above `interval`.
        unhealth_threshold (int): Consecutive failures that take a member DOWN, 1..=10.
        path (None | str | Unset): HTTP only: path whose 2xx/3xx answer means healthy.
        port (int | None | Unset): Port probed on each member; the member's own port when absent.
    """

    health_threshold: int
    interval: int
    protocol: Protocol
    timeout: int
    unhealth_threshold: int
    path: None | str | Unset = UNSET
    port: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        health_threshold = self.health_threshold

        interval = self.interval

        protocol = self.protocol.value

        timeout = self.timeout

        unhealth_threshold = self.unhealth_threshold

        path: None | str | Unset
        if isinstance(self.path, Unset):
            path = UNSET
        else:
            path = self.path

        port: int | None | Unset
        if isinstance(self.port, Unset):
            port = UNSET
        else:
            port = self.port

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "health_threshold": health_threshold,
                "interval": interval,
                "protocol": protocol,
                "timeout": timeout,
                "unhealth_threshold": unhealth_threshold,
            }
        )
        if path is not UNSET:
            field_dict["path"] = path
        if port is not UNSET:
            field_dict["port"] = port

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        health_threshold = d.pop("health_threshold")

        interval = d.pop("interval")

        protocol = Protocol(d.pop("protocol"))

        timeout = d.pop("timeout")

        unhealth_threshold = d.pop("unhealth_threshold")

        def _parse_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        path = _parse_path(d.pop("path", UNSET))

        def _parse_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        port = _parse_port(d.pop("port", UNSET))

        health_monitor = cls(
            health_threshold=health_threshold,
            interval=interval,
            protocol=protocol,
            timeout=timeout,
            unhealth_threshold=unhealth_threshold,
            path=path,
            port=port,
        )

        return health_monitor
