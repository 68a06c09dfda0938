import pytest
from retinue.testing import ToolConformance, isolated_registry
from retinue_echo import EchoTool, plugin


class TestEchoTool(ToolConformance):
    @pytest.fixture
    def tool(self):
        return EchoTool()

    @pytest.fixture
    def valid_args(self):
        return {"text": "hello"}

    @pytest.fixture
    def invalid_args(self):
        return {"text": ["not", "a", "string"]}

    @pytest.fixture
    def component_registry(self):
        # Specs load back through this plugin alone, so the suite passes before the
        # plugin is installed; once installed, the default (every plugin) works too.
        return isolated_registry(plugin)
