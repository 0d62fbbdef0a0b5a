from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="CertificateCreate")


@_attrs_define
class CertificateCreate:
    """
    Attributes:
        certificate_chain (str): PEM: the leaf first, then its intermediates.
        name (str):
        private_key (str): PEM private key of the leaf (PKCS#8, PKCS#1 or SEC1), unencrypted.
    """

    certificate_chain: str
    name: str
    private_key: str

    def to_dict(self) -> dict[str, Any]:
        certificate_chain = self.certificate_chain

        name = self.name

        private_key = self.private_key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "certificate_chain": certificate_chain,
                "name": name,
                "private_key": private_key,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        certificate_chain = d.pop("certificate_chain")

        name = d.pop("name")

        private_key = d.pop("private_key")

        certificate_create = cls(
            certificate_chain=certificate_chain,
            name=name,
            private_key=private_key,
        )

        return certificate_create
