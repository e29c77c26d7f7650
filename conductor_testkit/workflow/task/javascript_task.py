"""JavascriptTask: an INLINE task whose ``output()`` points into ``output.result``."""

from __future__ import annotations

from typing import Optional

from conductor_testkit.workflow.task.inline import InlineTask


class JavascriptTask(InlineTask):
    """An INLINE task running ``script`` (``$`` = its inputs, with ``bindings`` added).

    The constructor is InlineTask's; ``task.output('text')`` is ``${ref.output.result.text}``.
    """

    def output(self, json_path: Optional[str] = None) -> str:
        """``${ref.output.result}`` or ``${ref.output.result.<json_path>}``."""
        if json_path is None or json_path == "":
            return super().output("result")
        if json_path.startswith((".", "[")):
            return super().output("result" + json_path)
        return super().output("result." + json_path)

    def evaluator_type(self, evaluator_type: str) -> JavascriptTask:
        """Use another evaluator (``'javascript'``, ``'graaljs'``); returns the task."""
        self.input_parameters["evaluatorType"] = evaluator_type
        return self
