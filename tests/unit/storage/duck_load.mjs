// duck_load.mjs — DuckDB side of bench_sf1.sh: COPY the TPC-H .tbl files, CHECKPOINT, report time and file size.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'fs';
const dir = process.argv[2], dbfile = process.argv[3], threads = process.argv[4] || '2';
try { fs.unlinkSync(dbfile); } catch {}
try { fs.unlinkSync(dbfile + '.wal'); } catch {}
const inst = await DuckDBInstance.create(dbfile, { threads });
const con = await inst.connect();
const schema = fs.readFileSync('/work/shared/tpch/schema.sql', 'utf8').split(';').map(s => s.trim()).filter(Boolean);
for (const s of schema) await con.run(s);
const t0 = Date.now();
for (const t of ['nation','region','part','supplier','partsupp','customer','orders','lineitem']) {
  const t1 = Date.now();
  await con.run(`COPY ${t} FROM '${dir}/${t}.tbl' (DELIMITER '|', HEADER false)`);
  console.log(`${t.padEnd(9)} ${((Date.now()-t1)/1000).toFixed(2)} s`);
}
await con.run('CHECKPOINT');
const load = (Date.now() - t0) / 1000;
const size = fs.statSync(dbfile).size;
console.log(`DuckDB COPY total ${load.toFixed(2)} s (incl. checkpoint), threads=${threads}, file ${size} bytes (${(size/1e6).toFixed(1)} MB)`);
