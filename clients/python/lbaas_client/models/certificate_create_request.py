from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.action_create import ActionCreate
from ..models.type_certificate import TypeCertificate

if TYPE_CHECKING:
    from ..models.envelope_certificate_upload import EnvelopeCertificateUpload


T = TypeVar("T", bound="CertificateCreateRequest")


@_attrs_define
class CertificateCreateRequest:
    """
    Attributes:
        action (ActionCreate):
        info (EnvelopeCertificateUpload): `create certificate` (upload) and `update certificate` (renewal: a new chain
            and key under the
            same name). The key is stored encrypted and never shown again.
        type_ (TypeCertificate):
    """

    action: ActionCreate
    info: EnvelopeCertificateUpload
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
        from ..models.envelope_certificate_upload import EnvelopeCertificateUpload  # noqa: PLC0415

        d = dict(src_dict)
        action = ActionCreate(d.pop("action"))

        info = EnvelopeCertificateUpload.from_dict(d.pop("info"))

        type_ = TypeCertificate(d.pop("type"))

        certificate_create_request = cls(
            action=action,
            info=info,
            type_=type_,
        )

        return certificate_create_request
