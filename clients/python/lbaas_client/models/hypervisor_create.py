from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.hypervisor_state import HypervisorState
from ..types import UNSET, Unset

T = TypeVar("T", bound="HypervisorCreate")


@_attrs_define
class HypervisorCreate:
    """A compute host to add (admin). Its controller is started with `--hypervisor NAME`.

    Attributes:
        name (str): A DNS label (RFC 1123).
        uri (str): A libvirt QEMU URI: `qemu:///system`, `qemu+ssh://host/system`,
            `qemu+unix:///system?socket=/path`, ...
        capacity_nodes (int | None | Unset): Default 32.
        state (HypervisorState | None | Unset):
    """

    name: str
    uri: str
    capacity_nodes: int | None | Unset = UNSET
    state: HypervisorState | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        uri = self.uri

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

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "uri": uri,
            }
        )
        if capacity_nodes is not UNSET:
            field_dict["capacity_nodes"] = capacity_nodes
        if state is not UNSET:
            field_dict["state"] = state

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        uri = d.pop("uri")

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

        hypervisor_create = cls(
            name=name,
            uri=uri,
            capacity_nodes=capacity_nodes,
            state=state,
        )

        return hypervisor_create
