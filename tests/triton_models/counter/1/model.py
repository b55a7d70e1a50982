"""Decoupled counter: one response per step, cancellation-aware."""

import json
import threading
import time

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        # A thread per request, so one long stream does not hold the instance.
        for request in requests:
            threading.Thread(target=self._run, args=(request,), daemon=True).start()
        return None

    def _run(self, request):
        sender = request.get_response_sender()
        count = int(pb_utils.get_input_tensor_by_name(request, "COUNT").as_numpy().reshape(-1)[0])
        delay = pb_utils.get_input_tensor_by_name(request, "DELAY_MS")
        delay_s = int(delay.as_numpy().reshape(-1)[0]) / 1000.0 if delay is not None else 0.0
        marker = json.loads(request.parameters() or "{}").get("marker")
        for i in range(count):
            if request.is_cancelled():
                if marker:
                    with open(marker, "w") as f:
                        f.write(str(i))
                sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
                return
            out = pb_utils.Tensor("VALUE", np.array([i], dtype=np.int32))
            sender.send(pb_utils.InferenceResponse(output_tensors=[out]))
            if delay_s:
                time.sleep(delay_s)
        sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
