from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.hypervisor_state import HypervisorState
from ..types import UNSET, Unset

T = TypeVar("T", bound="HypervisorUpdate")


@_attrs_define
class HypervisorUpdate:
    """What an operator may change on a hypervisor (admin); absent fields keep their value.

    Attributes:
        capacity_nodes (int | None | Unset):
        state (HypervisorState | None | Unset):
        uri (None | str | Unset):
    """

    capacity_nodes: int | None | Unset = UNSET
    state: HypervisorState | None | Unset = UNSET
    uri: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        capacity_nodes: int | None | Unset
        if isinstance(self.capacity_nodes, Unset):
            capacity_nodes = UNSET
        else:
            capacity_nodes = self.capacity_nodes

        state: None | str | Unset
        if isinstance(self.state, Unset):
            state = UNSET
        elif isinstance(self.state, HypervisorState):
            state = self.state.value
        else:
            state = self.state

        uri: None | str | Unset
        if isinstance(self.uri, Unset):
            uri = UNSET
        else:
            uri = self.uri

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if capacity_nodes is not UNSET:
            field_dict["capacity_nodes"] = capacity_nodes
        if state is not UNSET:
            field_dict["state"] = state
        if uri is not UNSET:
            field_dict["uri"] = uri

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_capacity_nodes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        capacity_nodes = _parse_capacity_nodes(d.pop("capacity_nodes", UNSET))

        def _parse_state(data: object) -> HypervisorState | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                state_type_1 = HypervisorState(data)

                return state_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HypervisorState | None | Unset, data)

        state = _parse_state(d.pop("state", UNSET))

        def _parse_uri(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        uri = _parse_uri(d.pop("uri", UNSET))

        hypervisor_update = cls(
            capacity_nodes=capacity_nodes,
            state=state,
            uri=uri,
        )

        return hypervisor_update
