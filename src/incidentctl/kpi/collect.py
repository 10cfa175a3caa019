"""Every incident's KPI facts at ``now``, through the facts cache (``kpi.cache``).

A warm run stats each incident file and builds its facts from the cache's row; only
new and changed files, invalid ones (so that they are warned of again), and those
naming an instant after ``now`` are read and computed. The facts come without SLA
clocks (``IncidentFacts.clocks`` is empty): the KPIs do not read them.

When many files miss (a first run), no record is held: worker processes parse and
compute (``kpi.parallel``); without them (one core), each record the record index
holds is rebuilt from it, its facts computed and the record dropped. Either way peak
memory stays that of the facts, not of 100,000 records.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime

from incidentctl.kpi.cache import FactsCache, cache_key, decode, encode
from incidentctl.kpi.facts import IncidentFacts, KpiPolicies, incident_facts, settled_at
from incidentctl.kpi.parallel import facts_stream
from incidentctl.model.incident import Incident
from incidentctl.sla.calendar import to_seconds
from incidentctl.store.cache import FileStat, digest, stat_files, unpack_stat
from incidentctl.store.parallel import PARALLEL_AFTER
from incidentctl.store.reader import read_text
from incidentctl.store.repo import Repository
from incidentctl.store.source import Source

Miss = tuple[int, str, FileStat | None]  # place in the result, path, stat before reading


def facts_cache(repo: Repository, pol: KpiPolicies) -> FactsCache:
    """The repository's facts cache: off with the record cache (``INCIDENTCTL_NO_CACHE``)
    and for a repository read from git (``--as-of``), whose files are not on disk."""
    if repo.cache.path is None or type(repo) is not Repository:
        return FactsCache(None)
    texts = {name: source.text for name, source in repo.policies.sources.items()}
    zones = [c.zone.key for c in pol.sla.calendars.values()] if pol.sla else []
    return FactsCache.for_root(repo.root, cache_key(texts, zones, _limit(repo)))


def _limit(repo: Repository) -> int:
    return repo.config.limits.max_file_bytes


def cached_facts(
    repo: Repository,
    pol: KpiPolicies,
    now: datetime,
    skipped: Callable[[str], None],
) -> list[IncidentFacts]:
    """The facts of every valid incident reported by ``now``, in path order.

    ``skipped`` is called with the path of each file that is not a valid record.
    """
    cache = facts_cache(repo, pol)
    at = to_seconds(now)
    found: list[IncidentFacts | None] = []
    missing: list[Miss] = []
    # nothing built here is garbage until the run ends: collecting only costs time
    collecting = gc.isenabled()
    gc.disable()
    try:
        cache.open()
        paths = repo.known_incident_paths()
        found = [None] * len(paths)
        hits: list[Miss] = []
        rows: list[str] = []
        kept = cache.begin(str(repo.root), paths) if cache.enabled else None
        # the snapshot's facts, decoded while the stats that tell which serve are taken
        guessed = None if kept is None else _decode_kept(kept)
        served = cache.served(str(repo.root), paths) if cache.enabled else None
        if served is not None:
            hits, rows, missing = _from_snapshot(cache, paths, served, at)
        else:
            # strings, not a Path per file: 100,000 of them add up; on both cores
            stats = stat_files(str(repo.root), paths) if cache.enabled else [None] * len(paths)
            for i, (rel, stat) in enumerate(zip(paths, stats, strict=True)):
                entry = cache.fresh(rel, stat)
                if entry is None:
                    missing.append((i, rel, stat))
                elif entry[6] > at:
                    missing.append((i, rel, None))  # settled after now: computed, not kept
                else:
                    hits.append((i, rel, stat))
                    rows.append(entry[7])
        if served is not None and guessed is not None:  # a hit's row is the snapshot's
            items = [guessed[i] for i, _, _ in hits]
        else:
            items = decode(rows)
        for hit, item in zip(hits, items, strict=True):
            if item is None:  # a damaged row: computed again
                i, rel, stat = hit
                missing.append((i, rel, stat if served is None else unpack_stat(served[1], i)))
            else:
                found[hit[0]] = item
        if missing and cache.has_rows:
            missing = _same_text(repo, cache, missing, found, at)
        _compute(repo, pol, now, cache, missing, found, skipped, whole=len(missing) == len(paths))
    finally:
        if collecting:
            gc.enable()
    cache.save(paths)
    cache.close()
    return [f for f in found if f is not None]


def _decode_kept(kept: list[str]) -> list[IncidentFacts | None]:
    """``decode`` of the snapshot's rows, in its files' places (None where none)."""
    if all(kept):
        return decode(kept)
    places = [i for i, row in enumerate(kept) if row]
    out: list[IncidentFacts | None] = [None] * len(kept)
    for i, item in zip(places, decode([kept[i] for i in places]), strict=True):
        out[i] = item
    return out


def _from_snapshot(
    cache: FactsCache, paths: list[str], served: tuple[list[int], bytes], at: int
) -> tuple[list[Miss], list[str], list[Miss]]:
    """``cached_facts``'s hits, their rows and its misses when the snapshot names the
    very files (``FactsCache.served``): every row at once, but those of the files
    changed since, of those without a row and of those settled after ``at``."""
    snap = cache.snapshot
    assert snap is not None
    changed, stats = served
    hits: list[Miss] = []
    rows: list[str] = []
    missing: list[Miss] = []
    settled, kept = snap.settled, snap.rows
    if not changed and all(kept) and (not settled or max(settled) <= at):
        return [(i, rel, None) for i, rel in enumerate(paths)], list(kept), missing
    stale = set(changed)
    for i, rel in enumerate(paths):
        if i in stale or not kept[i]:
            missing.append((i, rel, unpack_stat(stats, i)))
        elif settled[i] > at:
            missing.append((i, rel, None))  # settled after now: computed, not kept
        else:
            hits.append((i, rel, None))
            rows.append(kept[i])
    return hits, rows, missing


def _same_text(
    repo: Repository,
    cache: FactsCache,
    missing: list[Miss],
    found: list[IncidentFacts | None],
    at: int,
) -> list[Miss]:
    """Serve files whose stat changed but whose text a row has (a checkout, a touch):
    by the blob IDs of the files git finds as checked out (a fresh clone with the
    cache restored reads none), else by the digest of the text read."""
    left: list[Miss] = []
    blobs = repo.checked_out([rel for _, rel, stat in missing if stat is not None])
    for i, rel, stat in missing:
        if stat is None:  # settled after now, or gone: nothing to match
            left.append((i, rel, stat))
            continue
        blob = blobs.get(rel)
        entry = None if blob is None else cache.with_digest(blob)
        if entry is None:
            text, _ = read_text(repo.root / rel, rel, _limit(repo))
            entry = None if text is None else cache.with_digest(digest(text))
        item = decode([entry[7]])[0] if entry is not None and entry[6] <= at else None
        if entry is None or item is None:
            left.append((i, rel, stat))
            continue
        found[i] = item
        cache.note(rel, stat, entry[5], entry[6], entry[7])
    return left


def _compute(
    repo: Repository,
    pol: KpiPolicies,
    now: datetime,
    cache: FactsCache,
    missing: list[Miss],
    found: list[IncidentFacts | None],
    skipped: Callable[[str], None],
    *,
    whole: bool,
) -> None:
    """Read and compute the facts of the files the cache could not serve, and keep them."""
    before = len(missing)
    missing = _on_every_core(repo, pol, now, cache, missing, found)
    if not missing:
        return
    whole = whole and len(missing) == before
    # a whole load also refreshes the record index, as before there was a facts cache
    repo.load_incidents(None if whole else [rel for _, rel, _ in missing], save=True)
    for i, rel, stat in missing:
        record = repo.load_incident(rel)
        if record is None:
            skipped(rel)
            continue
        found[i] = _facts(record.model, pol, now, record.source, cache, (rel, stat))


def _on_every_core(
    repo: Repository,
    pol: KpiPolicies,
    now: datetime,
    cache: FactsCache,
    missing: list[Miss],
    found: list[IncidentFacts | None],
) -> list[Miss]:
    """Compute many files' facts in worker processes, or else from the record index.

    Worker processes parse the files, on every core: that now costs less than
    rebuilding each record from the record index in this process (at 100,000
    incidents 27 s and 351 MiB against 47 s and 486 MiB). Without them (one core, or
    no processes can be started), records the record index holds are rebuilt from it,
    one at a time, which costs less than parsing them here. Returns the files left
    for the usual path (those with any finding, and those the record index does not
    hold).
    """
    if type(repo) is not Repository or len(missing) < PARALLEL_AFTER:
        return missing
    rels = [rel for _, rel, _ in missing]
    stream = facts_stream(repo.root, rels, _limit(repo), now, pol)
    if stream is None:
        repo.cache.open()
        if repo.cache.has_records():
            return _from_record_index(repo, pol, now, cache, missing, found)
        return missing
    at = to_seconds(now)
    left: list[Miss] = []
    places: list[int] = []
    rows: list[str] = []
    for (i, rel, stat), result in zip(missing, stream, strict=True):
        if result is None:
            left.append((i, rel, stat))
            continue
        key, settled, row = result
        if row is None:
            continue  # reported after now
        places.append(i)
        rows.append(row)
        if settled <= at:
            cache.note(rel, stat, key, settled, row)
    for i, item in zip(places, decode(rows), strict=True):
        found[i] = item
    return left


def _from_record_index(
    repo: Repository,
    pol: KpiPolicies,
    now: datetime,
    cache: FactsCache,
    missing: list[Miss],
    found: list[IncidentFacts | None],
) -> list[Miss]:
    """Facts of records rebuilt from the record index, each dropped once its facts are
    known: holding 100,000 records would take over a gigabyte."""
    left: list[Miss] = []
    repo.cache.prefetch()  # one query, not one per record
    for i, rel, stat in missing:
        text, _ = read_text(repo.root / rel, rel, _limit(repo))
        key = None if text is None else digest(text)
        model = None if key is None else repo.cache.get(key)
        if key is None or model is None:
            left.append((i, rel, stat))
            continue
        found[i] = _facts(model, pol, now, key, cache, (rel, stat))
    return left


def _facts(
    model: Incident,
    pol: KpiPolicies,
    now: datetime,
    key: str | Source,
    cache: FactsCache,
    where: tuple[str, FileStat | None],
) -> IncidentFacts | None:
    """A record's facts (None if reported after now), kept in the cache once settled,
    under ``key``: the digest of its file's text (computed from its source only then)."""
    item = incident_facts(model, pol, now)
    if item is None:
        return None
    item.clocks = ()  # as served from the cache: the clocks are not kept
    settled = settled_at(model)
    if settled <= to_seconds(now):
        text_key = key if isinstance(key, str) else digest(key.text)
        cache.note(where[0], where[1], text_key, settled, encode(item))
    return item
