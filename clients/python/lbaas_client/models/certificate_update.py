from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CertificateUpdate")


@_attrs_define
class CertificateUpdate:
    """A renewal: a new chain and key under the same certificate; listeners using it switch over
    without dropping connections.

        Attributes:
            certificate_chain (str):
            private_key (str):
            generation (int | None | Unset):
    """

    certificate_chain: str
    private_key: str
    generation: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        certificate_chain = self.certificate_chain

        private_key = self.private_key

        generation: int | None | Unset
        if isinstance(self.generation, Unset):
            generation = UNSET
        else:
            generation = self.generation

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "certificate_chain": certificate_chain,
                "private_key": private_key,
            }
        )
        if generation is not UNSET:
            field_dict["generation"] = generation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        certificate_chain = d.pop("certificate_chain")

        private_key = d.pop("private_key")

        def _parse_generation(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        generation = _parse_generation(d.pop("generation", UNSET))

        certificate_update = cls(
            certificate_chain=certificate_chain,
            private_key=private_key,
            generation=generation,
        )

        return certificate_update
