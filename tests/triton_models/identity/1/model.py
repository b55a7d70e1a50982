"""Identity: FLOATS -> FLOATS_OUT, TEXTS -> TEXTS_OUT (whichever are present).

The request parameter "say" is printed to Triton's stdout: tests use it to make Triton's log show
what a crashing Triton prints, while the process itself stays up.
"""

import json

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            say = json.loads(request.parameters() or "{}").get("say")
            if say:
                print(say, flush=True)
            outputs = []
            for name in ("FLOATS", "TEXTS"):
                tensor = pb_utils.get_input_tensor_by_name(request, name)
                if tensor is not None:
                    outputs.append(pb_utils.Tensor(name + "_OUT", tensor.as_numpy()))
            responses.append(pb_utils.InferenceResponse(output_tensors=outputs))
        return responses
