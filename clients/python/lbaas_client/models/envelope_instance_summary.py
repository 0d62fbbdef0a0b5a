from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.provisioning_status import ProvisioningStatus

T = TypeVar("T", bound="EnvelopeInstanceSummary")


@_attrs_define
class EnvelopeInstanceSummary:
    """
    Attributes:
        name (str):
        provisioning_status (ProvisioningStatus): Where the control plane is with a resource (Octavia's
            `provisioning_status`).
        url (str):
    """

    name: str
    provisioning_status: ProvisioningStatus
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        provisioning_status = self.provisioning_status.value

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "provisioning_status": provisioning_status,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        provisioning_status = ProvisioningStatus(d.pop("provisioning_status"))

        url = d.pop("url")

        envelope_instance_summary = cls(
            name=name,
            provisioning_status=provisioning_status,
            url=url,
        )

        envelope_instance_summary.additional_properties = d
        return envelope_instance_summary

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
