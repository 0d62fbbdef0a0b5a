from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="EnvelopeCertificateKey")


@_attrs_define
class EnvelopeCertificateKey:
    """Which certificate: its project and name.

    Attributes:
        name (str):
        project (str):
    """

    name: str
    project: str

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        project = self.project

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "project": project,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        project = d.pop("project")

        envelope_certificate_key = cls(
            name=name,
            project=project,
        )

        return envelope_certificate_key
