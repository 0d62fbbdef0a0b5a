from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="EnvelopeCertificateUpload")


@_attrs_define
class EnvelopeCertificateUpload:
    """`create certificate` (upload) and `update certificate` (renewal: a new chain and key under the
    same name). The key is stored encrypted and never shown again.

        Attributes:
            certificate (str): PEM: the leaf first, then its intermediates.
            name (str):
            private_key (str): PEM private key of the leaf, unencrypted.
            project (str):
    """

    certificate: str
    name: str
    private_key: str
    project: str

    def to_dict(self) -> dict[str, Any]:
        certificate = self.certificate

        name = self.name

        private_key = self.private_key

        project = self.project

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "certificate": certificate,
                "name": name,
                "private_key": private_key,
                "project": project,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        certificate = d.pop("certificate")

        name = d.pop("name")

        private_key = d.pop("private_key")

        project = d.pop("project")

        envelope_certificate_upload = cls(
            certificate=certificate,
            name=name,
            private_key=private_key,
            project=project,
        )

        return envelope_certificate_upload
