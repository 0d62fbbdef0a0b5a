from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.algorithm import Algorithm
from ..models.protocol import Protocol
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.health_monitor import HealthMonitor


T = TypeVar("T", bound="Pool")


@_attrs_define
class Pool:
    """
    Attributes:
        algorithm (Algorithm): Balancing algorithm of a pool. `LEAST_LATENCY` is power-of-two-choices over an EWMA of
            latency and in-flight requests.
        created_at (datetime.datetime):
        generation (int):
        id (UUID):
        load_balancer_id (UUID):
        name (str):
        protocol (Protocol): A listener's protocol (HTTPS: TLS terminated by the nodes), a pool's protocol (HTTP or
            TCP: what its members speak) or a health monitor's (HTTPS: the probe speaks TLS, without
            verifying the member's certificate, as Octavia's HTTPS monitor does).
        tenant_id (UUID):
        updated_at (datetime.datetime):
        health_monitor (HealthMonitor | None | Unset):
    """

    algorithm: Algorithm
    created_at: datetime.datetime
    generation: int
    id: UUID
    load_balancer_id: UUID
    name: str
    protocol: Protocol
    tenant_id: UUID
    updated_at: datetime.datetime
    health_monitor: HealthMonitor | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.health_monitor import HealthMonitor  # noqa: PLC0415

        algorithm = self.algorithm.value

        created_at = self.created_at.isoformat()

        generation = self.generation

        id = str(self.id)

        load_balancer_id = str(self.load_balancer_id)

        name = self.name

        protocol = self.protocol.value

        tenant_id = str(self.tenant_id)

        updated_at = self.updated_at.isoformat()

        health_monitor: dict[str, Any] | None | Unset
        if isinstance(self.health_monitor, Unset):
            health_monitor = UNSET
        elif isinstance(self.health_monitor, HealthMonitor):
            health_monitor = self.health_monitor.to_dict()
        else:
            health_monitor = self.health_monitor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "algorithm": algorithm,
                "created_at": created_at,
                "generation": generation,
                "id": id,
                "load_balancer_id": load_balancer_id,
                "name": name,
                "protocol": protocol,
                "tenant_id": tenant_id,
                "updated_at": updated_at,
            }
        )
        if health_monitor is not UNSET:
            field_dict["health_monitor"] = health_monitor

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.health_monitor import HealthMonitor  # noqa: PLC0415

        d = dict(src_dict)
        algorithm = Algorithm(d.pop("algorithm"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        generation = d.pop("generation")

        id = UUID(d.pop("id"))

        load_balancer_id = UUID(d.pop("load_balancer_id"))

        name = d.pop("name")

        protocol = Protocol(d.pop("protocol"))

        tenant_id = UUID(d.pop("tenant_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

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

        pool = cls(
            algorithm=algorithm,
            created_at=created_at,
            generation=generation,
            id=id,
            load_balancer_id=load_balancer_id,
            name=name,
            protocol=protocol,
            tenant_id=tenant_id,
            updated_at=updated_at,
            health_monitor=health_monitor,
        )

        pool.additional_properties = d
        return pool

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
