from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.certificate import Certificate
from ...models.certificate_create import CertificateCreate
from ...models.error_body import ErrorBody
from ...types import Response


def _get_kwargs(
    project: str,
    *,
    body: CertificateCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/projects/{project}/certificates".format(
            project=quote(str(project), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Certificate | ErrorBody | None:
    if response.status_code == 201:
        response_201 = Certificate.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = ErrorBody.from_dict(response.json())

        return response_405

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorBody.from_dict(response.json())

        return response_413

    if response.status_code == 500:
        response_500 = ErrorBody.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Certificate | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    project: str,
    *,
    client: AuthenticatedClient,
    body: CertificateCreate,
) -> Response[Certificate | ErrorBody]:
    """Upload a certificate chain and its private key

     Validated on upload: the chain parses and is in issuing order, the leaf is valid now and names DNS
    names, the key is the leaf's. The key is stored encrypted and is never returned. An event
    `certificate.expiring` is recorded 30 days before `not_after`.

    Args:
        project (str):
        body (CertificateCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Certificate | ErrorBody]
    """

    kwargs = _get_kwargs(
        project=project,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project: str,
    *,
    client: AuthenticatedClient,
    body: CertificateCreate,
) -> Certificate | ErrorBody | None:
    """Upload a certificate chain and its private key

     Validated on upload: the chain parses and is in issuing order, the leaf is valid now and names DNS
    names, the key is the leaf's. The key is stored encrypted and is never returned. An event
    `certificate.expiring` is recorded 30 days before `not_after`.

    Args:
        project (str):
        body (CertificateCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Certificate | ErrorBody
    """

    return sync_detailed(
        project=project,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    project: str,
    *,
    client: AuthenticatedClient,
    body: CertificateCreate,
) -> Response[Certificate | ErrorBody]:
    """Upload a certificate chain and its private key

     Validated on upload: the chain parses and is in issuing order, the leaf is valid now and names DNS
    names, the key is the leaf's. The key is stored encrypted and is never returned. An event
    `certificate.expiring` is recorded 30 days before `not_after`.

    Args:
        project (str):
        body (CertificateCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Certificate | ErrorBody]
    """

    kwargs = _get_kwargs(
        project=project,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project: str,
    *,
    client: AuthenticatedClient,
    body: CertificateCreate,
) -> Certificate | ErrorBody | None:
    """Upload a certificate chain and its private key

     Validated on upload: the chain parses and is in issuing order, the leaf is valid now and names DNS
    names, the key is the leaf's. The key is stored encrypted and is never returned. An event
    `certificate.expiring` is recorded 30 days before `not_after`.

    Args:
        project (str):
        body (CertificateCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Certificate | ErrorBody
    """

    return (
        await asyncio_detailed(
            project=project,
            client=client,
            body=body,
        )
    ).parsed
