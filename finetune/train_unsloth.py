#!/usr/bin/env python3
"""Train a LoRA adapter for logtriage's tier-2 triage with Unsloth.

Reads a dataset written by `logtriage finetune-data` (train.jsonl, val.jsonl, dataset_card.json),
loads a base model in 4-bit, adds LoRA adapters, runs supervised finetuning on the answers only
(the system turn, the few-shot turns and the incident are masked out of the loss), saves the
adapter and, with --llama-cpp, converts it to a GGUF adapter for `triage.lora`.

Run it on a machine with an NVIDIA GPU:

    pip install unsloth
    python finetune/train_unsloth.py --data ds/ --base-model unsloth/Qwen2.5-1.5B-Instruct \\
        --out runs/qwen-1.5b-lora --llama-cpp ~/llama.cpp

finetune/README.md walks through it from the dataset to `logtriage serve` with the adapter.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

# Where a user turn and an assistant turn start, per chat-template family, for
# train_on_responses_only. Detected from the tokenizer's template; --instruction-part and
# --response-part override it for a template this table does not know.
TEMPLATE_PARTS: dict[str, tuple[str, str]] = {
    "chatml": ("<|im_start|>user\n", "<|im_start|>assistant\n"),
    "llama-3": ("<|start_header_id|>user<|end_header_id|>\n\n", "<|start_header_id|>assistant<|end_header_id|>\n\n"),
    "gemma": ("<start_of_turn>user\n", "<start_of_turn>model\n"),
    "phi-4": ("<|im_start|>user<|im_sep|>", "<|im_start|>assistant<|im_sep|>"),
    "mistral": ("[INST]", "[/INST]"),
}

# A marker that only one family's template contains, checked in this order.
TEMPLATE_MARKERS: list[tuple[str, str]] = [
    ("<|im_sep|>", "phi-4"),
    ("<|im_start|>", "chatml"),
    ("<|start_header_id|>", "llama-3"),
    ("<start_of_turn>", "gemma"),
    ("[INST]", "mistral"),
]

FORMATS = ("alpaca", "sharegpt", "chatml")
SHAREGPT_ROLES = {"system": "system", "human": "user", "gpt": "assistant"}
IGNORE = -100


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Train a LoRA adapter for logtriage triage on a `logtriage finetune-data` dataset with Unsloth.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data", required=True, type=Path, help="dataset folder of logtriage finetune-data (train.jsonl, val.jsonl, dataset_card.json)")
    p.add_argument("--out", required=True, type=Path, help="output folder: the adapter (PEFT safetensors), logtriage_adapter.json and, with --llama-cpp, adapter.gguf")
    p.add_argument("--base-model", default="unsloth/Qwen2.5-1.5B-Instruct", help="Hugging Face id or local folder of the base model; serve the GGUF of the same model")
    p.add_argument("--load-in-4bit", default=True, action=argparse.BooleanOptionalAction, help="load the base model quantised to 4 bits (QLoRA)")
    p.add_argument("--max-seq-length", type=int, default=None, help="longest example in tokens; longer ones are skipped, never cut (default: the card's maxExampleTokens rounded up to 512)")
    p.add_argument("--lora-rank", type=int, default=16, help="LoRA rank r")
    p.add_argument("--lora-alpha", type=int, default=32, help="LoRA alpha (the update is scaled by alpha / r)")
    p.add_argument("--lora-dropout", type=float, default=0.0, help="LoRA dropout (0 is what Unsloth optimises)")
    p.add_argument("--target-modules", default="q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj", help="comma-separated module names LoRA adapts")
    p.add_argument("--epochs", type=float, default=2.0, help="passes over the training split")
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many optimiser steps (-1: run the epochs)")
    p.add_argument("--batch-size", type=int, default=2, help="examples per device and step")
    p.add_argument("--grad-accum", type=int, default=8, help="gradient accumulation steps")
    p.add_argument("--learning-rate", type=float, default=2e-4)
    p.add_argument("--warmup-ratio", type=float, default=0.03)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=3407)
    p.add_argument("--train-on", choices=("last", "all"), default="last", help="last: loss on the final answer only; all: also on the few-shot answers, which repeat in every example")
    p.add_argument("--instruction-part", default=None, help="text that starts a user turn in the chat template (default: detected)")
    p.add_argument("--response-part", default=None, help="text that starts an assistant turn in the chat template (default: detected)")
    p.add_argument("--no-eval", action="store_true", help="do not evaluate on val.jsonl")
    p.add_argument("--llama-cpp", type=Path, default=None, help="a llama.cpp checkout: convert the adapter with its convert_lora_to_gguf.py")
    p.add_argument("--gguf-base", default=None, help="base model for the conversion: a local folder with its config.json (--base) or a Hugging Face id (--base-model-id); default --base-model")
    p.add_argument("--gguf-outtype", default="f16", choices=("f32", "f16", "bf16", "q8_0"), help="tensor type of the GGUF adapter")
    p.add_argument("--dry-run", action="store_true", help="read and check the dataset, print what would be trained, and stop before loading any model")
    return p.parse_args(argv)


def read_card(data: Path) -> dict[str, Any]:
    path = data / "dataset_card.json"
    if not path.is_file():
        sys.exit(f"{path} not found: --data must be a folder written by `logtriage finetune-data`")
    with path.open(encoding="utf-8") as f:
        card = json.load(f)
    if card.get("kind") != "logtriage-finetune-dataset" or card.get("format") not in FORMATS:
        sys.exit(f"{path} is not a logtriage finetuning dataset card (kind {card.get('kind')!r}, format {card.get('format')!r})")
    return card


def to_messages(record: dict[str, Any], fmt: str) -> list[dict[str, str]]:
    """One dataset record as a list of {role, content} turns, whatever its format."""
    if fmt == "alpaca":
        return [
            {"role": "system", "content": record["instruction"]},
            {"role": "user", "content": record["input"]},
            {"role": "assistant", "content": record["output"]},
        ]
    if fmt == "sharegpt":
        return [{"role": SHAREGPT_ROLES[turn["from"]], "content": turn["value"]} for turn in record["conversations"]]
    return [{"role": turn["role"], "content": turn["content"]} for turn in record["messages"]]


def read_split(data: Path, split: str, fmt: str) -> list[list[dict[str, str]]]:
    path = data / f"{split}.jsonl"
    if not path.is_file():
        return []
    conversations = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                messages = to_messages(json.loads(line), fmt)
            except (KeyError, TypeError, ValueError) as error:
                sys.exit(f"{path}:{number}: not a {fmt} record ({error})")
            if not messages or messages[-1]["role"] != "assistant":
                sys.exit(f"{path}:{number}: the last turn must be the assistant's answer")
            conversations.append(messages)
    return conversations


def detect_parts(tokenizer: Any, args: argparse.Namespace) -> tuple[str, str]:
    if args.instruction_part and args.response_part:
        return args.instruction_part, args.response_part
    template = getattr(tokenizer, "chat_template", None) or ""
    for marker, family in TEMPLATE_MARKERS:
        if marker in template:
            instruction, response = TEMPLATE_PARTS[family]
            print(f"chat template: {family} (instruction part {instruction!r}, response part {response!r})")
            return args.instruction_part or instruction, args.response_part or response
    sys.exit("cannot tell where turns start in this model's chat template; give --instruction-part and --response-part")


def accepted(callable_: Any, options: dict[str, Any]) -> dict[str, Any]:
    """The options a function or class takes (TRL renames arguments between versions)."""
    parameters = inspect.signature(callable_).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return options
    return {k: v for k, v in options.items() if k in parameters}


def keep_last_response(example: dict[str, Any]) -> dict[str, Any]:
    """Masks every answer but the last: the few-shot answers are the same in every example."""
    labels = list(example["labels"])
    start = None
    for i in range(len(labels) - 1, -1, -1):
        if labels[i] != IGNORE and (i == 0 or labels[i - 1] == IGNORE):
            start = i
            break
    if start is not None:
        labels[:start] = [IGNORE] * start
    return {"labels": labels}


def count_trained(dataset: Any, sample: int = 200) -> tuple[int, int]:
    """Trained and all tokens of the first `sample` examples."""
    trained = total = 0
    for labels in dataset.select(range(min(sample, len(dataset))))["labels"]:
        trained += sum(1 for x in labels if x != IGNORE)
        total += len(labels)
    return trained, total


def convert(args: argparse.Namespace) -> Path:
    script = args.llama_cpp / "convert_lora_to_gguf.py"
    if not script.is_file():
        sys.exit(f"{script} not found: --llama-cpp must be a llama.cpp checkout (pip install -r requirements.txt there first)")
    base = args.gguf_base or args.base_model
    out = args.out / "adapter.gguf"
    command = [sys.executable, str(script), str(args.out), "--outfile", str(out), "--outtype", args.gguf_outtype]
    command += ["--base", base] if os.path.isdir(base) else ["--base-model-id", base]
    print("converting:", " ".join(command))
    subprocess.run(command, check=True)
    return out


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    card = read_card(args.data)
    fmt = card["format"]
    train = read_split(args.data, "train", fmt)
    val = [] if args.no_eval else read_split(args.data, "val", fmt)
    if not train:
        sys.exit(f"{args.data / 'train.jsonl'} holds no examples")
    max_seq_length = args.max_seq_length or -(-int(card["limits"]["maxExampleTokens"]) // 512) * 512
    print(f"dataset {args.data}: {fmt}, prompt version {card['promptVersion']}, {len(train)} train and {len(val)} validation examples, max {max_seq_length} tokens")
    if fmt == "alpaca":
        print("note: alpaca records carry no few-shot turns; at run time the prompt has them. sharegpt or chatml match the runtime exactly.")
    if args.dry_run:
        print(json.dumps(train[0][-2:], ensure_ascii=False, indent=2)[:2000])
        return

    # Unsloth patches transformers and TRL when imported, so it comes first.
    from unsloth import FastLanguageModel, is_bfloat16_supported
    from unsloth.chat_templates import train_on_responses_only
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=args.base_model,
        max_seq_length=max_seq_length,
        dtype=None,
        load_in_4bit=args.load_in_4bit,
    )
    model = FastLanguageModel.get_peft_model(
        model,
        r=args.lora_rank,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=[m.strip() for m in args.target_modules.split(",") if m.strip()],
        bias="none",
        use_gradient_checkpointing="unsloth",
        random_state=args.seed,
    )
    instruction_part, response_part = detect_parts(tokenizer, args)

    def render(conversations: list[list[dict[str, str]]], split: str) -> Any:
        # The model's own chat template: llama.cpp applies the one stored in the GGUF at run time.
        texts, skipped = [], 0
        for messages in conversations:
            text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
            if len(tokenizer(text, add_special_tokens=False)["input_ids"]) > max_seq_length:
                skipped += 1
                continue
            texts.append(text)
        if skipped:
            print(f"{split}: skipped {skipped} examples longer than {max_seq_length} tokens (raise --max-seq-length to keep them)")
        return Dataset.from_dict({"text": texts}) if texts else None

    train_dataset = render(train, "train")
    if train_dataset is None:
        sys.exit(f"every training example is longer than {max_seq_length} tokens")
    eval_dataset = render(val, "val") if val else None

    config = SFTConfig(
        **accepted(
            SFTConfig,
            {
                "output_dir": str(args.out / "checkpoints"),
                "dataset_text_field": "text",
                "max_seq_length": max_seq_length,
                "max_length": max_seq_length,
                "packing": False,
                "per_device_train_batch_size": args.batch_size,
                "gradient_accumulation_steps": args.grad_accum,
                "num_train_epochs": args.epochs,
                "max_steps": args.max_steps,
                "learning_rate": args.learning_rate,
                "warmup_ratio": args.warmup_ratio,
                "weight_decay": args.weight_decay,
                "lr_scheduler_type": "linear",
                "optim": "adamw_8bit",
                "bf16": is_bfloat16_supported(),
                "fp16": not is_bfloat16_supported(),
                "logging_steps": 10,
                "eval_strategy": "epoch" if eval_dataset is not None else "no",
                "evaluation_strategy": "epoch" if eval_dataset is not None else "no",
                "save_strategy": "epoch",
                "save_total_limit": 2,
                "seed": args.seed,
                "report_to": "none",
            },
        )
    )
    trainer_options = {"model": model, "args": config, "train_dataset": train_dataset, "eval_dataset": eval_dataset}
    trainer_parameters = inspect.signature(SFTTrainer).parameters
    trainer_options["processing_class" if "processing_class" in trainer_parameters else "tokenizer"] = tokenizer
    trainer = SFTTrainer(**trainer_options)
    trainer = train_on_responses_only(trainer, instruction_part=instruction_part, response_part=response_part)

    if "labels" in trainer.train_dataset.column_names:
        if args.train_on == "last":
            trainer.train_dataset = trainer.train_dataset.map(keep_last_response)
            if trainer.eval_dataset is not None:
                trainer.eval_dataset = trainer.eval_dataset.map(keep_last_response)
        trained, total = count_trained(trainer.train_dataset)
        if trained == 0:
            sys.exit(f"no token is trained on: the instruction part {instruction_part!r} and response part {response_part!r} do not match the chat template")
        print(f"training on {100 * trained / total:.1f} % of the tokens (first 200 examples: {trained} of {total})")
    elif args.train_on == "last":
        print("warning: this Unsloth version masks in the data collator; every assistant turn is trained on (--train-on all)")

    trainer.train()
    if eval_dataset is not None:
        print("validation:", trainer.evaluate())

    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(args.out))
    tokenizer.save_pretrained(str(args.out))
    meta = {
        "kind": "logtriage-lora-adapter",
        "baseModel": args.base_model,
        "promptVersion": card["promptVersion"],
        "taxonomySha256": card["taxonomy"]["sha256"],
        "datasetFiles": card["files"],
        "lora": {"rank": args.lora_rank, "alpha": args.lora_alpha, "dropout": args.lora_dropout, "targetModules": args.target_modules.split(",")},
        "training": {"epochs": args.epochs, "maxSteps": args.max_steps, "learningRate": args.learning_rate, "maxSeqLength": max_seq_length, "trainOn": args.train_on, "seed": args.seed},
    }
    (args.out / "logtriage_adapter.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"adapter saved in {args.out}")

    if args.llama_cpp:
        gguf = convert(args)
        print(f"GGUF adapter: {gguf}\nserve it: triage.modelPath = the GGUF of {args.base_model}, triage.lora = [{{path: {gguf}, scale: 1}}]")
    else:
        print(f"convert it: python <llama.cpp>/convert_lora_to_gguf.py {args.out} --base-model-id {args.base_model} --outtype f16 --outfile {args.out / 'adapter.gguf'}")


if __name__ == "__main__":
    main()
