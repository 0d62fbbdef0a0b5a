from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.algorithm import Algorithm
from ..models.protocol import Protocol
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.health_monitor import HealthMonitor


T = TypeVar("T", bound="PoolCreate")


@_attrs_define
class PoolCreate:
    """
    Attributes:
        name (str):
        protocol (Protocol): A listener's protocol (HTTPS: TLS terminated by the nodes), a pool's protocol (HTTP or
            TCP: what its members speak) or a health monitor's (HTTPS: the probe speaks TLS, without
            verifying the member's certificate, as Octavia's HTTPS monitor does).
        algorithm (Algorithm | None | Unset):
        health_monitor (HealthMonitor | None | Unset):
    """

    name: str
    protocol: Protocol
    algorithm: Algorithm | None | Unset = UNSET
    health_monitor: HealthMonitor | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.health_monitor import HealthMonitor  # noqa: PLC0415

        name = self.name

        protocol = self.protocol.value

        algorithm: None | str | Unset
        if isinstance(self.algorithm, Unset):
            algorithm = UNSET
        elif isinstance(self.algorithm, Algorithm):
            algorithm = self.algorithm.value
        else:
            algorithm = self.algorithm

        health_monitor: dict[str, Any] | None | Unset
        if isinstance(self.health_monitor, Unset):
            health_monitor = UNSET
        elif isinstance(self.health_monitor, HealthMonitor):
            health_monitor = self.health_monitor.to_dict()
        else:
            health_monitor = self.health_monitor

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "protocol": protocol,
            }
        )
        if algorithm is not UNSET:
            field_dict["algorithm"] = algorithm
        if health_monitor is not UNSET:
            field_dict["health_monitor"] = health_monitor

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.health_monitor import HealthMonitor  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        protocol = Protocol(d.pop("protocol"))

        def _parse_algorithm(data: object) -> Algorithm | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                algorithm_type_1 = Algorithm(data)

                return algorithm_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Algorithm | None | Unset, data)

        algorithm = _parse_algorithm(d.pop("algorithm", UNSET))

        def _parse_health_monitor(data: object) -> HealthMonitor | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                health_monitor_type_1 = HealthMonitor.from_dict(data)

                return health_monitor_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HealthMonitor | None | Unset, data)

        health_monitor = _parse_health_monitor(d.pop("health_monitor", UNSET))

        pool_create = cls(
            name=name,
            protocol=protocol,
            algorithm=algorithm,
            health_monitor=health_monitor,
        )

        return pool_create
