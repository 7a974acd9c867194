"""Two fixes for Rasa 3.6's hot path, installed by rasa_addons/run.py before
Rasa starts. Both keep Rasa's behaviour; they only stop repeating work.
Found with cProfile of the Rasa server under the 20-user bench load
(bench/run_bench.py), where together they were about half of Rasa's CPU time
per message.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type


def check_action_responses_with_one_validator() -> None:
    """Rasa checks every action server response with `jsonschema.validate()`,
    which first checks the schema itself against the JSON Schema meta-schema.
    With jsonschema 4.17 that took ~80 ms of CPU per custom action call. The
    same check of the response, with a validator built once. An invalid
    response goes to Rasa's own method, so the error stays Rasa's."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    rasa_validate = RemoteAction._validate_action_result

    def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        if best_match(validator.iter_errors(result)) is None:
            return True
        return rasa_validate(self, result)

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


def remember_event_classes() -> None:
    """Rasa finds the class of every stored event by walking all subclasses
    of `Event` (`Event.resolve_by_type`), for each event of the tracker it
    loads and of each action server response: ~9 ms a message. The class
    found for a name is remembered; a name not found asks Rasa every time."""
    from rasa.shared.core.events import Event

    rasa_resolve = Event.resolve_by_type
    found: Dict[str, Type[Event]] = {}

    def resolve_by_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
        known = found.get(type_name)
        if known is not None:
            return known
        event_class = rasa_resolve(type_name, default)
        if event_class is not None and event_class.type_name == type_name:
            found[type_name] = event_class
        return event_class

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


def install() -> None:
    check_action_responses_with_one_validator()
    remember_event_classes()
