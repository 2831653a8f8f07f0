"""Schema dialects: each MCP tool's input schema converted for OpenAI, Gemini and Ollama.

``convert(schema, dialect)`` returns a ``Conversion``: the converted copy plus one line per
thing it dropped or changed, each with the JSON pointer where it happened.
"""

from bridge.schema.changes import Conversion
from bridge.schema.dialects import DIALECTS, Converter, SchemaError, convert, convert_lenient
from bridge.schema.ollama import KEPT_KEYWORDS as OLLAMA_KEYWORDS
from bridge.schema.openai_strict import STRICT_FORMATS, StrictSchemaError
from bridge.schema.root import WRAPPED_PROPERTY

__all__ = [
    "DIALECTS",
    "OLLAMA_KEYWORDS",
    "STRICT_FORMATS",
    "WRAPPED_PROPERTY",
    "Conversion",
    "Converter",
    "SchemaError",
    "StrictSchemaError",
    "convert",
    "convert_lenient",
]
