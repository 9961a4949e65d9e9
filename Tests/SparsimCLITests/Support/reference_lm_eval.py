"""lm-evaluation-harness (PyPI lm-eval) on a JSON-lines task, for sparsim's tests. Usage:

  reference_lm_eval.py MODEL FORMAT DATA.jsonl OUT.json
  reference_lm_eval.py requests FORMAT DATA.jsonl OUT.json    the requests alone, no model

MODEL is a .gguf file or a Hugging Face directory (e.g. from `sparsim export` or `prune --save-model`),
run by lm-eval's HFLM in float32 on the CPU. FORMAT is one of sparsim's task formats: the task is
lm-eval's own definition for it (piqa, boolq, hellaswag, winogrande, arc_easy, lambada_openai), read
from the installed package and pointed at DATA; `choices` is the generic custom task a user writes
(doc_to_text "{{context}}", doc_to_choice "{{choices}}", doc_to_target "{{label}}"). OUT.json gets
lm-eval's metrics and, per document, its requests and (log-likelihood, is_greedy) responses; in
`requests` mode, per document, the (context, continuation) pairs lm-eval builds from it.
"""
import json
import os
import sys
import tempfile

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
import lm_eval  # noqa: E402
import lm_eval.tasks  # noqa: E402
import torch  # noqa: E402
from lm_eval.models.huggingface import HFLM  # noqa: E402

DEFINITIONS = {"piqa": "piqa/piqa.yaml", "boolq": "super_glue/boolq/default.yaml", "hellaswag": "hellaswag/hellaswag.yaml",
               "winogrande": "winogrande/default.yaml", "arc": "arc/arc_easy.yaml", "lambada": "lambada/lambada_openai.yaml"}
CHOICES = """output_type: multiple_choice
doc_to_text: "{{context}}"
doc_to_choice: "{{choices}}"
doc_to_target: "{{label}}"
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
  - metric: acc_norm
    aggregation: mean
    higher_is_better: true
"""


def task_folder(fmt, data):
    """A folder with one task YAML: lm-eval's definition for FORMAT, reading DATA."""
    folder = tempfile.mkdtemp()
    source = CHOICES if fmt == "choices" else f"include: {os.path.join(os.path.dirname(lm_eval.tasks.__file__), DEFINITIONS[fmt])}\n"
    with open(os.path.join(folder, "task.yaml"), "w") as f:
        f.write(source + f"task: sparsim_{fmt}\ntag: []\ndataset_path: json\ndataset_name: null\n"
                f"dataset_kwargs:\n  data_files:\n    validation: {os.path.abspath(data)}\n"
                "validation_split: validation\ntest_split: null\ntraining_split: null\n")
    return folder


def requests(fmt, data, out):
    name = f"sparsim_{fmt}"
    task = lm_eval.tasks.get_task_dict([name], lm_eval.tasks.TaskManager(include_path=task_folder(fmt, data)))[name]
    task.build_all_requests(rank=0, world_size=1)
    documents = {}
    for instance in sorted(task.instances, key=lambda i: (i.doc_id, i.idx)):
        documents.setdefault(instance.doc_id, []).append(list(instance.arguments))
    with open(out, "w") as f:
        json.dump([documents[k] for k in sorted(documents)], f)


def main():
    model, fmt, data, out = sys.argv[1:5]
    if model == "requests":
        return requests(fmt, data, out)
    torch.set_num_threads(2)
    folder = task_folder(fmt, data)
    if os.path.isdir(model):
        lm = HFLM(pretrained=model, dtype="float32", batch_size=1, device="cpu")
    else:
        directory, name = os.path.split(os.path.abspath(model))
        lm = HFLM(pretrained=directory, gguf_file=name, dtype="float32", batch_size=1, device="cpu")
    # bootstrap_iters=0: lm-eval bootstraps the perplexity's standard error in a fork()ed multiprocessing
    # pool while torch's threads are alive, which now and then deadlocks; the tests need no stderr.
    result = lm_eval.simple_evaluate(model=lm, tasks=[f"sparsim_{fmt}"], log_samples=True, bootstrap_iters=0,
                                     task_manager=lm_eval.tasks.TaskManager(include_path=folder))
    samples = sorted(result["samples"][f"sparsim_{fmt}"], key=lambda s: s["doc_id"])
    with open(out, "w") as f:
        json.dump({"metrics": result["results"][f"sparsim_{fmt}"],
                   "items": [{"doc_id": s["doc_id"], "requests": [list(a) for a in s["arguments"]],
                              "loglikelihoods": [r[0] for r in s["filtered_resps"]],
                              "is_greedy": [bool(r[1]) for r in s["filtered_resps"]]} for s in samples]}, f)


if __name__ == "__main__":
    main()
