from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.action_info import ActionInfo
from ..models.type_certificate import TypeCertificate

if TYPE_CHECKING:
    from ..models.envelope_certificate_key import EnvelopeCertificateKey


T = TypeVar("T", bound="CertificateInfoRequest")


@_attrs_define
class CertificateInfoRequest:
    """
    Attributes:
        action (ActionInfo):
        info (EnvelopeCertificateKey): Which certificate: its project and name.
        type_ (TypeCertificate):
    """

    action: ActionInfo
    info: EnvelopeCertificateKey
    type_: TypeCertificate

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
        from ..models.envelope_certificate_key import EnvelopeCertificateKey  # noqa: PLC0415

        d = dict(src_dict)
        action = ActionInfo(d.pop("action"))

        info = EnvelopeCertificateKey.from_dict(d.pop("info"))

        type_ = TypeCertificate(d.pop("type"))

        certificate_info_request = cls(
            action=action,
            info=info,
            type_=type_,
        )

        return certificate_info_request
