from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.operating_status import OperatingStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.member_traffic import MemberTraffic


T = TypeVar("T", bound="Member")


@_attrs_define
class Member:
    """
    Attributes:
        address (str):
        created_at (datetime.datetime):
        generation (int):
        id (UUID):
        operating_status (OperatingStatus): What the health checks observe (Octavia's `operating_status`).
        path (str): HTTP path prefix the seed's URL entities carry (`http://10.0.0.5:8080/app/`).
        pool_id (UUID):
        port (int):
        tenant_id (UUID):
        updated_at (datetime.datetime):
        weight (int):
        traffic (MemberTraffic | None | Unset):
    """

    address: str
    created_at: datetime.datetime
    generation: int
    id: UUID
    operating_status: OperatingStatus
    path: str
    pool_id: UUID
    port: int
    tenant_id: UUID
    updated_at: datetime.datetime
    weight: int
    traffic: MemberTraffic | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.member_traffic import MemberTraffic  # noqa: PLC0415

        address = self.address

        created_at = self.created_at.isoformat()

        generation = self.generation

        id = str(self.id)

        operating_status = self.operating_status.value

        path = self.path

        pool_id = str(self.pool_id)

        port = self.port

        tenant_id = str(self.tenant_id)

        updated_at = self.updated_at.isoformat()

        weight = self.weight

        traffic: dict[str, Any] | None | Unset
        if isinstance(self.traffic, Unset):
            traffic = UNSET
        elif isinstance(self.traffic, MemberTraffic):
            traffic = self.traffic.to_dict()
        else:
            traffic = self.traffic

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "created_at": created_at,
                "generation": generation,
                "id": id,
                "operating_status": operating_status,
                "path": path,
                "pool_id": pool_id,
                "port": port,
                "tenant_id": tenant_id,
                "updated_at": updated_at,
                "weight": weight,
            }
        )
        if traffic is not UNSET:
            field_dict["traffic"] = traffic

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.member_traffic import MemberTraffic  # noqa: PLC0415

        d = dict(src_dict)
        address = d.pop("address")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        generation = d.pop("generation")

        id = UUID(d.pop("id"))

        operating_status = OperatingStatus(d.pop("operating_status"))

        path = d.pop("path")

        pool_id = UUID(d.pop("pool_id"))

        port = d.pop("port")

        tenant_id = UUID(d.pop("tenant_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        weight = d.pop("weight")

        def _parse_traffic(data: object) -> MemberTraffic | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                traffic_type_1 = MemberTraffic.from_dict(data)

                return traffic_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MemberTraffic | None | Unset, data)

        traffic = _parse_traffic(d.pop("traffic", UNSET))

        member = cls(
            address=address,
            created_at=created_at,
            generation=generation,
            id=id,
            operating_status=operating_status,
            path=path,
            pool_id=pool_id,
            port=port,
            tenant_id=tenant_id,
            updated_at=updated_at,
            weight=weight,
            traffic=traffic,
        )

        member.additional_properties = d
        return member

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
