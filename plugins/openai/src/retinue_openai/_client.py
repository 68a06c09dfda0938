"""The OpenAI (and OpenAI-compatible) and Azure OpenAI chat-completion clients."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import SecretStr
from retinue import ComponentError, ConfigurationError, secret_from_env, secret_value
from retinue.models import ModelInfo, reveal_headers, url_secrets

from ._base import BaseOpenAIChatCompletionClient
from ._config import CREATE_ARG_NAMES, AzureOpenAIClientConfig, OpenAIClientConfig
from ._model_info import known_model_info, resolve_model_info

if TYPE_CHECKING:
    from openai import AsyncAzureOpenAI, AsyncOpenAI

__all__ = ["AzureOpenAIChatCompletionClient", "OpenAIChatCompletionClient"]

logger = logging.getLogger(__name__)

# Sent to OpenAI-compatible servers that need no key (Ollama, vLLM, llama.cpp):
# the SDK refuses to run without one.
_NO_KEY_PLACEHOLDER = "EMPTY"


class OpenAIChatCompletionClient(BaseOpenAIChatCompletionClient):
    """A client for OpenAI's chat-completions API, or any server that speaks it.

    The key comes from ``api_key`` or the ``OPENAI_API_KEY`` environment variable.
    With ``base_url`` the client talks to an OpenAI-compatible server (Ollama, vLLM,
    llama.cpp, LM Studio, ...): such servers need no key, and a model missing from
    the built-in table gets conservative defaults (with a warning) unless
    ``model_info`` says what it can do.  On OpenAI itself an unknown model needs
    ``model_info``.

    Example::

        client = OpenAIChatCompletionClient(model="gpt-4o")
        result = await client.create([UserMessage(content="Hello")])
    """

    component_provider: ClassVar[str | None] = "openai"
    component_config_schema = OpenAIClientConfig
    default_base_url: ClassVar[str | None] = None

    def __init__(
        self,
        model: str,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        timeout: float | None = 60.0,
        max_retries: int = 2,
        model_info: ModelInfo | Mapping[str, Any] | None = None,
        include_name_in_message: bool = True,
        add_name_prefixes: bool = False,
        default_headers: Mapping[str, str | SecretStr] | None = None,
        include_usage_in_stream: bool = True,
        **create_args: Any,
    ) -> None:
        _check_create_args(create_args, type(self).__name__)
        if not model:
            raise ConfigurationError(
                f"provider {self.component_provider!r}: model must be a non-empty model name"
            )
        self._api_key = secret_from_env(api_key, self.key_env)
        self._base_url = base_url or self.default_base_url
        custom_endpoint = base_url is not None and base_url != self.default_base_url
        if self._api_key is None and not custom_endpoint:
            raise ConfigurationError(
                f"provider {self.component_provider!r}, model {model!r}: no API key; set "
                f"{self.key_env} or pass api_key=..."
            )
        self._organization = organization
        model_info_arg = dict(model_info) if model_info is not None else None
        super().__init__(
            model=model,
            model_info_arg=model_info_arg,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            model_info=resolve_model_info(
                model,
                model_info_arg,
                custom_endpoint=custom_endpoint,
                provider=self.provider_name,
                known=self.lookup_known_model,
            ),
            create_args=create_args,
            include_name_in_message=include_name_in_message,
            add_name_prefixes=add_name_prefixes,
            include_usage_in_stream=include_usage_in_stream,
            secret=self._api_key,
            other_secrets=url_secrets(self._base_url),
        )

    @classmethod
    def lookup_known_model(cls, model: str) -> ModelInfo | None:
        """Model info of ``model`` from this client's table of known models, else None."""
        return known_model_info(model)

    def _make_sdk_client(self) -> AsyncOpenAI:
        from openai import AsyncOpenAI

        return AsyncOpenAI(
            api_key=secret_value(self._api_key) or _NO_KEY_PLACEHOLDER,
            base_url=self._base_url,
            organization=self._organization,
            timeout=self._timeout,
            max_retries=self._max_retries,
            default_headers=reveal_headers(self._default_headers),
        )

    def _to_config(self) -> OpenAIClientConfig:
        _refuse_url_credentials(self, "base_url", self._base_url)
        return OpenAIClientConfig(
            model=self._model,
            api_key=self._api_key,
            base_url=self._base_url,
            organization=self._organization,
            **_shared_config_fields(self),
        )

    @classmethod
    def _from_config(cls, config: OpenAIClientConfig) -> OpenAIChatCompletionClient:
        if cls is OpenAIChatCompletionClient and _autogen_gemini_spec(config):
            return _load_as_gemini(config)
        return cls(api_key=config.api_key, **_constructor_values(config, {"api_key"}))


def _autogen_gemini_spec(config: OpenAIClientConfig) -> bool:
    """Whether a spec is AutoGen's OpenAI client for a Gemini model on Google's endpoint.

    AutoGen's OpenAI client sends ``gemini-*`` models without a ``base_url`` to
    Gemini's OpenAI-compatible endpoint with ``GEMINI_API_KEY``; retinue-gemini's
    client does the same, knowing those models.
    """
    return config.model.startswith("gemini-") and config.base_url is None


def _load_as_gemini(config: OpenAIClientConfig) -> OpenAIChatCompletionClient:
    from retinue.components import load_nested

    # The secrets are passed as loaded (a reference stays a reference).
    values = config.model_dump(exclude_none=True, exclude={"api_key", "default_headers"})
    values.update(api_key=config.api_key, default_headers=config.default_headers)
    spec = {"provider": "gemini", "kind": "model_client", "config": values}
    loaded: OpenAIChatCompletionClient = load_nested(spec, OpenAIChatCompletionClient, "config")
    return loaded


class AzureOpenAIChatCompletionClient(BaseOpenAIChatCompletionClient):
    """A client for an Azure OpenAI deployment.

    Authenticates with ``api_key`` (or ``AZURE_OPENAI_API_KEY``), an ``azure_ad_token``
    (or ``AZURE_OPENAI_AD_TOKEN``), or an ``azure_ad_token_provider`` (a callable
    returning a token, e.g. from ``azure.identity``).  Exactly one is used: an explicit
    argument beats the environment, and a token provider beats an AD token, which beats
    a key (more than one explicit argument logs a warning naming the one used).  A token
    provider is code, so a client using one cannot be dumped to a spec: dumping raises
    and says to use a key from the environment.
    ``model`` names the underlying model (for model info), ``azure_deployment`` the
    deployment requests go to (defaults to ``model``).
    """

    component_provider: ClassVar[str | None] = "azure_openai"
    component_config_schema = AzureOpenAIClientConfig
    key_env = "AZURE_OPENAI_API_KEY"

    def __init__(
        self,
        model: str,
        *,
        azure_endpoint: str,
        api_version: str,
        azure_deployment: str | None = None,
        api_key: str | SecretStr | None = None,
        azure_ad_token: str | SecretStr | None = None,
        azure_ad_token_provider: Callable[[], str | Awaitable[str]] | None = None,
        timeout: float | None = 60.0,
        max_retries: int = 2,
        model_info: ModelInfo | Mapping[str, Any] | None = None,
        include_name_in_message: bool = True,
        add_name_prefixes: bool = False,
        default_headers: Mapping[str, str | SecretStr] | None = None,
        include_usage_in_stream: bool = True,
        **create_args: Any,
    ) -> None:
        _check_create_args(create_args, type(self).__name__)
        self._api_key, self._ad_token, self._token_provider = _azure_credential(
            model, api_key, azure_ad_token, azure_ad_token_provider
        )
        self._endpoint = azure_endpoint
        self._deployment = azure_deployment or model
        self._api_version = api_version
        model_info_arg = dict(model_info) if model_info is not None else None
        super().__init__(
            model=model,
            model_info_arg=model_info_arg,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            model_info=resolve_model_info(
                model, model_info_arg, custom_endpoint=False, provider="azure_openai"
            ),
            create_args=create_args,
            include_name_in_message=include_name_in_message,
            add_name_prefixes=add_name_prefixes,
            include_usage_in_stream=include_usage_in_stream,
            secret=self._api_key,
            other_secrets=(
                *(t for t in (self._ad_token,) if t is not None),
                *url_secrets(azure_endpoint),
            ),
        )

    def _make_sdk_client(self) -> AsyncAzureOpenAI:
        from openai import AsyncAzureOpenAI
        from openai._types import Omit

        headers: dict[str, Any] = dict(reveal_headers(self._default_headers) or {})
        if self._api_key is not None and "authorization" not in {h.lower() for h in headers}:
            # SDK releases before 3.x also send the key as "Authorization: Bearer <key>";
            # an omitted default header drops that copy, so only "api-key" carries it.
            headers["Authorization"] = Omit()
        sdk = AsyncAzureOpenAI(
            azure_endpoint=self._endpoint,
            azure_deployment=self._deployment,
            api_version=self._api_version,
            api_key=secret_value(self._api_key),
            azure_ad_token=secret_value(self._ad_token),
            azure_ad_token_provider=self._token_provider,
            timeout=self._timeout,
            max_retries=self._max_retries,
            default_headers=headers,
        )
        if self._api_key is not None:
            # The key was chosen (_azure_credential), but SDK releases before 3.x read
            # AZURE_OPENAI_AD_TOKEN whenever no token is passed, and a token beats a key
            # on every request; drop that token so the chosen credential is the one sent.
            sdk._azure_ad_token = None
        return sdk

    def _to_config(self) -> AzureOpenAIClientConfig:
        if self._token_provider is not None:
            raise ComponentError(
                "AzureOpenAIChatCompletionClient with an azure_ad_token_provider cannot be "
                "dumped: the provider is code, and specs carry no code. Use an API key from "
                'the environment ({"env": "AZURE_OPENAI_API_KEY"}) in the spec, or build this '
                "client in Python"
            )
        _refuse_url_credentials(self, "azure_endpoint", self._endpoint)
        return AzureOpenAIClientConfig(
            model=self._model,
            azure_endpoint=self._endpoint,
            azure_deployment=self._deployment,
            api_version=self._api_version,
            api_key=self._api_key,
            azure_ad_token=self._ad_token,
            **_shared_config_fields(self),
        )

    @classmethod
    def _from_config(cls, config: AzureOpenAIClientConfig) -> AzureOpenAIChatCompletionClient:
        values = _constructor_values(config, {"api_key", "azure_ad_token"})
        return cls(api_key=config.api_key, azure_ad_token=config.azure_ad_token, **values)


def _refuse_url_credentials(client: object, field: str, url: str | None) -> None:
    """Refuse to dump a URL with ``user:password@`` in it: specs never hold secrets in clear."""
    if url_secrets(url):
        raise ComponentError(
            f"{type(client).__name__} cannot be dumped: its {field} carries credentials "
            "(user:password@) and specs never hold secrets in clear; drop them from the URL "
            "and send them as a header read from the environment, e.g. default_headers="
            '{"Authorization": {"env": "MY_GATEWAY_AUTH"}}'
        )


def _azure_credential(
    model: str,
    api_key: str | SecretStr | None,
    azure_ad_token: str | SecretStr | None,
    token_provider: Callable[[], str | Awaitable[str]] | None,
) -> tuple[SecretStr | None, SecretStr | None, Callable[[], str | Awaitable[str]] | None]:
    """The one credential an Azure client uses: ``(api_key, ad_token, token_provider)``.

    The SDK refuses more than one, so the precedence is applied here: an explicit
    argument beats the environment; among explicit ones, and among the environment
    variables, an Entra ID token provider beats an AD token, which beats a key.
    """
    explicit = [
        (name, value)
        for name, value in (
            ("azure_ad_token_provider", token_provider),
            ("azure_ad_token", azure_ad_token),
            ("api_key", api_key),
        )
        if value is not None
    ]
    if len(explicit) > 1:
        logger.warning(
            "provider 'azure_openai', model %r: %s were all passed; using %s (the precedence "
            "is azure_ad_token_provider, then azure_ad_token, then api_key)",
            model,
            ", ".join(name for name, _ in explicit),
            explicit[0][0],
        )
    if token_provider is not None:
        return None, None, token_provider
    if azure_ad_token is not None:
        return None, secret_from_env(azure_ad_token, "AZURE_OPENAI_AD_TOKEN"), None
    if api_key is not None:
        return secret_from_env(api_key, "AZURE_OPENAI_API_KEY"), None, None
    env_token = secret_from_env(None, "AZURE_OPENAI_AD_TOKEN")
    if env_token is not None:
        return None, env_token, None
    env_key = secret_from_env(None, "AZURE_OPENAI_API_KEY")
    if env_key is not None:
        return env_key, None, None
    raise ConfigurationError(
        f"provider 'azure_openai', model {model!r}: no credentials; set "
        "AZURE_OPENAI_API_KEY (or AZURE_OPENAI_AD_TOKEN), or pass api_key=, azure_ad_token= "
        "or azure_ad_token_provider="
    )


def _shared_config_fields(
    client: OpenAIChatCompletionClient | AzureOpenAIChatCompletionClient,
) -> dict[str, Any]:
    """The spec fields both clients dump the same way: transport, model info, options."""
    return {
        "timeout": client._timeout,
        "max_retries": client._max_retries,
        "model_info": client._model_info_arg,
        "default_headers": client._default_headers,
        **client._options,
        **client._create_args,
    }


def _constructor_values(
    config: OpenAIClientConfig | AzureOpenAIClientConfig, secrets: set[str]
) -> dict[str, Any]:
    """Constructor arguments from a spec, less its ``secrets`` (passed as they are loaded).

    AutoGen's ``stream_options={"include_usage": ...}`` becomes ``include_usage_in_stream``.
    """
    # Header values are secrets too: passed as loaded, not dumped to references again.
    values = config.model_dump(
        exclude_none=True, exclude={*secrets, "stream_options", "default_headers"}
    )
    values["default_headers"] = config.default_headers
    if config.stream_options is not None:
        values["include_usage_in_stream"] = bool(config.stream_options.get("include_usage"))
    return values


def _check_create_args(create_args: Mapping[str, Any], cls_name: str) -> None:
    unknown = sorted(set(create_args) - set(CREATE_ARG_NAMES))
    if unknown:
        raise ConfigurationError(
            f"{cls_name} got unknown argument(s) {', '.join(unknown)}; request arguments are "
            f"{', '.join(CREATE_ARG_NAMES)}; pass others per call with extra_create_args={{...}}"
        )
