from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.action_create import ActionCreate
from ..models.type_instance import TypeInstance

if TYPE_CHECKING:
    from ..models.envelope_instance_create import EnvelopeInstanceCreate


T = TypeVar("T", bound="InstanceCreateRequest")


@_attrs_define
class InstanceCreateRequest:
    """
    Attributes:
        action (ActionCreate):
        info (EnvelopeInstanceCreate): `create instance`: the seed's instance.
        type_ (TypeInstance):
    """

    action: ActionCreate
    info: EnvelopeInstanceCreate
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
        from ..models.envelope_instance_create import EnvelopeInstanceCreate  # noqa: PLC0415

        d = dict(src_dict)
        action = ActionCreate(d.pop("action"))

        info = EnvelopeInstanceCreate.from_dict(d.pop("info"))

        type_ = TypeInstance(d.pop("type"))

        instance_create_request = cls(
            action=action,
            info=info,
            type_=type_,
        )

        return instance_create_request
