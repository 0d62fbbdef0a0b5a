from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.action_update import ActionUpdate
from ..models.type_project import TypeProject

if TYPE_CHECKING:
    from ..models.envelope_project import EnvelopeProject


T = TypeVar("T", bound="ProjectUpdateRequest")


@_attrs_define
class ProjectUpdateRequest:
    """
    Attributes:
        action (ActionUpdate):
        info (EnvelopeProject): A project in the envelope: its name (and, on create or update, a description).
        type_ (TypeProject):
    """

    action: ActionUpdate
    info: EnvelopeProject
    type_: TypeProject

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
        from ..models.envelope_project import EnvelopeProject  # noqa: PLC0415

        d = dict(src_dict)
        action = ActionUpdate(d.pop("action"))

        info = EnvelopeProject.from_dict(d.pop("info"))

        type_ = TypeProject(d.pop("type"))

        project_update_request = cls(
            action=action,
            info=info,
            type_=type_,
        )

        return project_update_request
