"""A small GraphQL-over-HTTP client for tests, speaking as a frontend would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

STRONG_PASSWORD = "Gz#Talent2026"


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    token: str | None = None
    last_response: httpx.Response | None = field(default=None, repr=False)

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        headers = {}
        bearer = token or self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        self.last_response = response
        body: dict[str, Any] = response.json()
        return body

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The ``data`` of a response that must have no GraphQL errors."""
        body = await self.raw(query, variables, token=token)
        assert "errors" not in body, body["errors"]
        assert self.last_response is not None and self.last_response.status_code == 200
        data: dict[str, Any] = body["data"]
        return data

    def as_user(self, token: str) -> GraphQLClient:
        return GraphQLClient(self.http, token)


REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) {
    __typename
    ... on Account { id username realName idNumber roles { role district } }
    ... on OperationError { code message field }
  }
}
"""

LOGIN = """
mutation Login($account: String!, $password: String!) {
  login(account: $account, password: $password) {
    __typename
    ... on AuthSession { accessToken refreshToken idleTimeoutSeconds account { id username } }
    ... on OperationError { code message retryAfterSeconds details }
  }
}
"""


async def register(
    client: GraphQLClient,
    *,
    username: str = "zhangsan",
    real_name: str = "张三",
    id_number: str = "440111199903175213",
    mobile: str = "13912345678",
    password: str = STRONG_PASSWORD,
) -> dict[str, Any]:
    data = await client.execute(
        REGISTER,
        {
            "input": {
                "username": username,
                "realName": real_name,
                "idNumber": id_number,
                "mobile": mobile,
                "password": password,
            }
        },
    )
    result: dict[str, Any] = data["register"]
    return result


async def login(
    client: GraphQLClient, account: str = "zhangsan", password: str = STRONG_PASSWORD
) -> dict[str, Any]:
    data = await client.execute(LOGIN, {"account": account, "password": password})
    result: dict[str, Any] = data["login"]
    return result


async def signed_in(client: GraphQLClient, **kwargs: Any) -> GraphQLClient:
    """Register (if needed) and sign in; a client that sends the access token."""
    account = await register(client, **kwargs)
    assert account["__typename"] == "Account", account
    session = await login(
        client, kwargs.get("username", "zhangsan"), kwargs.get("password", STRONG_PASSWORD)
    )
    assert session["__typename"] == "AuthSession", session
    return client.as_user(session["accessToken"])
