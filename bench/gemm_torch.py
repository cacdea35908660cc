"""PyTorch side of bench/roofline.ts when a bench has no PyTorch child of its own (run as a child; not a test).

Answers only the commands every bench child answers through torch_common.commands(): {"cmd": "gemm", "n", "reps"}
-> {"seconds": best of reps torch.mm of two n × n float32 matrices}, and {"cmd": "quit"}. Thread layout from the
environment (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) and --threads (torch.set_num_threads).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # torch_common.py sits next to this script
sys.dont_write_bytecode = True  # no bench/__pycache__ left in the tree
from torch_common import commands, reply, setup, torch  # noqa: E402  (exits with an error reply without torch)


def main():
    setup()
    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()})
    for _ in commands():
        reply({"error": "gemm_torch.py answers only gemm"})


main()
