// duckdb_bench.mjs — the DuckDB side of Kestrel's benchmark comparisons.
//
//   node duckdb_bench.mjs --schema FILE.sql --data DIR --queries DIR
//        [--db FILE] [--threads N] [--repeat N] [--answers-out DIR]
//
// Loads the .tbl files of DIR ('|'-separated, one per table of the schema)
// into a DuckDB database with COPY, then runs every qNN.sql of --queries,
// and prints one JSON object: load seconds, database bytes, and the best
// time of each query. With --answers-out it also writes each result as
// qNN.csv ('|'-separated with a header), the form kestrel-tpch run
// --answers reads — used to make SSB reference answers.
// Needs the npm package @duckdb/node-api, found through DUCKDB_NODE_DIR.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

// The package is installed outside the repository (tpch/bench.sh puts it in
// a cache folder); DUCKDB_NODE_DIR names the folder holding node_modules.
const require = createRequire(path.join(process.env.DUCKDB_NODE_DIR || process.cwd(), 'index.js'));
const { DuckDBInstance } = require('@duckdb/node-api');

function args() {
  const a = { threads: 2, repeat: 1 };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i++) {
    const k = v[i].replace(/^--/, '');
    a[k.replace(/-(.)/g, (_, c) => c.toUpperCase())] = v[++i];
  }
  for (const req of ['schema', 'data', 'queries'])
    if (!a[req]) { console.error(`duckdb_bench: --${req} is required`); process.exit(2); }
  return a;
}

function fmt(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object' && 'toString' in v) return v.toString();
  return String(v);
}

const a = args();
const dbFile = a.db || ':memory:';
if (a.db && fs.existsSync(a.db)) fs.rmSync(a.db);
const inst = await DuckDBInstance.create(dbFile, { threads: String(a.threads) });
const con = await inst.connect();
const schema = fs.readFileSync(a.schema, 'utf8');
const tables = [];
for (const stmt of schema.split(';')) {
  const m = stmt.match(/create\s+table\s+(\w+)/i);
  if (!m) continue;
  await con.run(stmt);
  tables.push(m[1]);
}
const t0 = performance.now();
for (const t of tables) {
  const file = path.join(a.data, `${t}.tbl`);
  await con.run(`COPY ${t} FROM '${file}' (DELIMITER '|', HEADER false)`);
}
await con.run('CHECKPOINT');
const loadSeconds = (performance.now() - t0) / 1000;
const dbBytes = a.db ? fs.statSync(a.db).size : 0;
const out = { engine: 'duckdb', threads: Number(a.threads), load_seconds: loadSeconds, db_bytes: dbBytes, queries: {} };
const files = fs.readdirSync(a.queries).filter((f) => /^q\d+\.sql$/.test(f)).sort();
if (a.answersOut) fs.mkdirSync(a.answersOut, { recursive: true });
for (const f of files) {
  const sql = fs.readFileSync(path.join(a.queries, f), 'utf8');
  let best = Infinity, reader;
  for (let r = 0; r < Number(a.repeat); r++) {
    const q0 = performance.now();
    reader = await con.runAndReadAll(sql);
    best = Math.min(best, performance.now() - q0);
  }
  out.queries[f.replace('.sql', '')] = { ms: best, rows: reader.currentRowCount };
  if (a.answersOut) {
    const names = reader.columnNames();
    const lines = [names.join('|')];
    for (const row of reader.getRows()) lines.push(row.map(fmt).join('|'));
    fs.writeFileSync(path.join(a.answersOut, f.replace('.sql', '.csv')), lines.join('\n') + '\n');
  }
}
console.log(JSON.stringify(out));
