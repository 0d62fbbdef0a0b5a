from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Certificate")


@_attrs_define
class Certificate:
    """A certificate chain with its private key, for HTTPS listeners. The key is stored encrypted
    and is never returned.

        Attributes:
            certificate_chain (str): PEM, the leaf first.
            created_at (datetime.datetime):
            fingerprint_sha256 (str):
            generation (int):
            id (UUID):
            issuer (str):
            name (str):
            names (list[str]): DNS names the leaf serves (subjectAltName, else the common name), lower case.
            not_after (datetime.datetime):
            not_before (datetime.datetime):
            project_id (UUID):
            subject (str):
            tenant_id (UUID):
            updated_at (datetime.datetime):
    """

    certificate_chain: str
    created_at: datetime.datetime
    fingerprint_sha256: str
    generation: int
    id: UUID
    issuer: str
    name: str
    names: list[str]
    not_after: datetime.datetime
    not_before: datetime.datetime
    project_id: UUID
    subject: str
    tenant_id: UUID
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        certificate_chain = self.certificate_chain

        created_at = self.created_at.isoformat()

        fingerprint_sha256 = self.fingerprint_sha256

        generation = self.generation

        id = str(self.id)

        issuer = self.issuer

        name = self.name

        names = self.names

        not_after = self.not_after.isoformat()

        not_before = self.not_before.isoformat()

        project_id = str(self.project_id)

        subject = self.subject

        tenant_id = str(self.tenant_id)

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "certificate_chain": certificate_chain,
                "created_at": created_at,
                "fingerprint_sha256": fingerprint_sha256,
                "generation": generation,
                "id": id,
                "issuer": issuer,
                "name": name,
                "names": names,
                "not_after": not_after,
                "not_before": not_before,
                "project_id": project_id,
                "subject": subject,
                "tenant_id": tenant_id,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        certificate_chain = d.pop("certificate_chain")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        fingerprint_sha256 = d.pop("fingerprint_sha256")

        generation = d.pop("generation")

        id = UUID(d.pop("id"))

        issuer = d.pop("issuer")

        name = d.pop("name")

        names = cast(list[str], d.pop("names"))

        not_after = datetime.datetime.fromisoformat(d.pop("not_after"))

        not_before = datetime.datetime.fromisoformat(d.pop("not_before"))

        project_id = UUID(d.pop("project_id"))

        subject = d.pop("subject")

        tenant_id = UUID(d.pop("tenant_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        certificate = cls(
            certificate_chain=certificate_chain,
            created_at=created_at,
            fingerprint_sha256=fingerprint_sha256,
            generation=generation,
            id=id,
            issuer=issuer,
            name=name,
            names=names,
            not_after=not_after,
            not_before=not_before,
            project_id=project_id,
            subject=subject,
            tenant_id=tenant_id,
            updated_at=updated_at,
        )

        certificate.additional_properties = d
        return certificate

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
