from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MemberTraffic")


@_attrs_define
class MemberTraffic:
    """A member's traffic, summed over its load balancer's nodes (each node's running totals since
    its agent started; latencies over a recent window, the worst node's).

        Attributes:
            active_connections (int):
            errors (int): Failed exchanges: connect errors, timeouts, 5xx answers.
            last_seen (datetime.datetime): When a node last reported on this member.
            latency_p50_ms (float):
            latency_p99_ms (float):
            requests (int):
    """

    active_connections: int
    errors: int
    last_seen: datetime.datetime
    latency_p50_ms: float
    latency_p99_ms: float
    requests: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_connections = self.active_connections

        errors = self.errors

        last_seen = self.last_seen.isoformat()

        latency_p50_ms = self.latency_p50_ms

        latency_p99_ms = self.latency_p99_ms

        requests = self.requests

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_connections": active_connections,
                "errors": errors,
                "last_seen": last_seen,
                "latency_p50_ms": latency_p50_ms,
                "latency_p99_ms": latency_p99_ms,
                "requests": requests,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active_connections = d.pop("active_connections")

        errors = d.pop("errors")

        last_seen = datetime.datetime.fromisoformat(d.pop("last_seen"))

        latency_p50_ms = d.pop("latency_p50_ms")

        latency_p99_ms = d.pop("latency_p99_ms")

        requests = d.pop("requests")

        member_traffic = cls(
            active_connections=active_connections,
            errors=errors,
            last_seen=last_seen,
            latency_p50_ms=latency_p50_ms,
            latency_p99_ms=latency_p99_ms,
            requests=requests,
        )

        member_traffic.additional_properties = d
        return member_traffic

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
