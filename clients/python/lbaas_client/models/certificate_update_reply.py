from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.action_update import ActionUpdate
from ..models.successful import Successful
from ..models.type_certificate import TypeCertificate

if TYPE_CHECKING:
    from ..models.certificate import Certificate


T = TypeVar("T", bound="CertificateUpdateReply")


@_attrs_define
class CertificateUpdateReply:
    """
    Attributes:
        action (ActionUpdate):
        info (Certificate): A certificate chain with its private key, for HTTPS listeners. The key is stored encrypted
            and is never returned.
        status (Successful):
        type_ (TypeCertificate):
    """

    action: ActionUpdate
    info: Certificate
    status: Successful
    type_: TypeCertificate
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        info = self.info.to_dict()

        status = self.status.value

        type_ = self.type_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "info": info,
                "status": status,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.certificate import Certificate  # noqa: PLC0415

        d = dict(src_dict)
        action = ActionUpdate(d.pop("action"))

        info = Certificate.from_dict(d.pop("info"))

        status = Successful(d.pop("status"))

        type_ = TypeCertificate(d.pop("type"))

        certificate_update_reply = cls(
            action=action,
            info=info,
            status=status,
            type_=type_,
        )

        certificate_update_reply.additional_properties = d
        return certificate_update_reply

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
