from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FailoverBreaker")


@_attrs_define
class FailoverBreaker:
    """The mass-failover breaker (admin): whether the controller holds failovers back because too
    many nodes went DOWN at once, and when an operator last resumed them.

        Attributes:
            changed_at (datetime.datetime):
            down (int): DOWN nodes and nodes counted (ACTIVE or DOWN) at the last change.
            nodes (int):
            open_ (bool):
            resumed_at (datetime.datetime | None | Unset):
    """

    changed_at: datetime.datetime
    down: int
    nodes: int
    open_: bool
    resumed_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        changed_at = self.changed_at.isoformat()

        down = self.down

        nodes = self.nodes

        open_ = self.open_

        resumed_at: None | str | Unset
        if isinstance(self.resumed_at, Unset):
            resumed_at = UNSET
        elif isinstance(self.resumed_at, datetime.datetime):
            resumed_at = self.resumed_at.isoformat()
        else:
            resumed_at = self.resumed_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "changed_at": changed_at,
                "down": down,
                "nodes": nodes,
                "open": open_,
            }
        )
        if resumed_at is not UNSET:
            field_dict["resumed_at"] = resumed_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        changed_at = datetime.datetime.fromisoformat(d.pop("changed_at"))

        down = d.pop("down")

        nodes = d.pop("nodes")

        open_ = d.pop("open")

        def _parse_resumed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resumed_at_type_0 = datetime.datetime.fromisoformat(data)

                return resumed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        resumed_at = _parse_resumed_at(d.pop("resumed_at", UNSET))

        failover_breaker = cls(
            changed_at=changed_at,
            down=down,
            nodes=nodes,
            open_=open_,
            resumed_at=resumed_at,
        )

        failover_breaker.additional_properties = d
        return failover_breaker

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
