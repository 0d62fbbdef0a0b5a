from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.action_info import ActionInfo
from ..models.type_instance import TypeInstance

if TYPE_CHECKING:
    from ..models.envelope_instance_key import EnvelopeInstanceKey


T = TypeVar("T", bound="InstanceInfoRequest")


@_attrs_define
class InstanceInfoRequest:
    """
    Attributes:
        action (ActionInfo):
        info (EnvelopeInstanceKey): Which instance: its project and name.
        type_ (TypeInstance):
    """

    action: ActionInfo
    info: EnvelopeInstanceKey
    type_: TypeInstance

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        info = self.info.to_dict()

        type_ = self.type_.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
                "info": info,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_instance_key import EnvelopeInstanceKey  # noqa: PLC0415

        d = dict(src_dict)
        action = ActionInfo(d.pop("action"))

        info = EnvelopeInstanceKey.from_dict(d.pop("info"))

        type_ = TypeInstance(d.pop("type"))

        instance_info_request = cls(
            action=action,
            info=info,
            type_=type_,
        )

        return instance_info_request
