// node_pg.js — node-postgres (`pg` from npm) against the server: simple and
// parameterized queries (extended protocol), type parsing, errors with
// SQLSTATE and position, a Pool of 20 clients running concurrently, and
// client.end()/pool.end() returning. Connection from the PG* environment.
// Prints "N passed, M failed"; exit status 1 when anything failed.
'use strict';
const { Client, Pool } = require('pg');

const fake = (process.argv[2] || 'fake') === 'fake';
let passed = 0, failed = 0;
function check(cond, what, extra) {
  if (cond) passed++;
  else { failed++; console.log('FAIL: ' + what + (extra !== undefined ? ' — ' + JSON.stringify(extra) : '')); }
}

async function main() {
  const c = new Client();
  await c.connect();
  check(c.processID > 0, 'BackendKeyData received', c.processID);

  // (a distributed table needs ORDER BY for the fake engine's row order)
  let r = await c.query(fake ? 'SELECT * FROM t' : 'SELECT * FROM t ORDER BY id');
  check(r.rows.length >= 4, 'rows of t', r.rows.length);
  check(r.rows[0].id === 1 && r.rows[0].name === 'alpha', 'int and text parsed', r.rows[0]);
  check(r.rows[0].price === '12.50', 'numeric as string', r.rows[0].price);
  check(r.rows[0].flag === true && r.rows[1].flag === false, 'booleans', [r.rows[0].flag, r.rows[1].flag]);
  check(r.rows[0].score === 1.5, 'float8', r.rows[0].score);
  check(r.rows[0].d instanceof Date, 'date parsed to Date');
  check(r.rows[2].name === null, 'NULL', r.rows[2].name);
  check(r.rows[3].name === 'ünïcode', 'UTF-8 text', r.rows[3].name);
  check(r.fields.map(f => f.name).join(',') === 'id,name,price,d,ts,flag,score,code', 'field names');
  check(r.command === 'SELECT' && r.rowCount === r.rows.length, 'command tag', [r.command, r.rowCount]);

  r = await c.query('SELECT * FROM t WHERE id = $1', [2]);
  check(r.rows.length === 1 && r.rows[0].name === 'beta', 'parameterized query', r.rows);
  r = await c.query({ text: 'SELECT * FROM t WHERE id = $1', values: [4], name: 'byid' });
  r = await c.query({ text: 'SELECT * FROM t WHERE id = $1', values: [1], name: 'byid' });
  check(r.rows.length === 1 && r.rows[0].id === 1, 'named prepared statement reused', r.rows);
  r = await c.query('SELECT $1::int + 1', [41]);
  check(r.rows.length === 1 && Object.values(r.rows[0])[0] === 42, '$1::int + 1', r.rows);

  try {
    await c.query('SELECT * FROM nosuch');
    check(false, 'error expected');
  } catch (e) {
    check(e.code === '42P01', 'SQLSTATE', e.code);
    check(e.position === '15', 'position', e.position);
    check(e.message === 'relation "nosuch" does not exist', 'message', e.message);
  }
  try {
    await c.query('SELECT * FROM nosuch WHERE x = $1', [1]);
    check(false, 'error expected (extended)');
  } catch (e) {
    check(e.code === '42P01', 'SQLSTATE (extended)', e.code);
  }
  r = await c.query('SELECT 1');
  check(r.rows.length === 1, 'usable after errors');

  await c.query('BEGIN');
  r = await c.query('SELECT * FROM t WHERE id = $1', [3]);
  await c.query('COMMIT');
  check(r.rows.length === 1, 'transaction');

  if (fake) {
    r = await c.query('SELECT generate_series(1, 50000)');
    check(r.rows.length === 50000 && r.rows[49999].generate_series === '50000', 'large result', r.rows.length);
  }
  await c.end();
  check(true, 'client.end() returned');

  // (node-postgres's `binary: true` mode is experimental: its pg-types
  // binary parsers misread float8, numeric, date and timestamp even from
  // PostgreSQL itself, so binary results are checked with libpq and JDBC.)

  const pool = new Pool({ max: 20 });
  const jobs = [];
  for (let i = 0; i < 200; i++) {
    const id = (i % 4) + 1;
    jobs.push(pool.query('SELECT * FROM t WHERE id = $1', [id]).then(res => res.rows.length === 1 && res.rows[0].id === id));
  }
  const results = await Promise.all(jobs);
  check(results.every(Boolean), 'pool of 20: 200 concurrent parameterized queries', results.filter(x => !x).length);
  check(pool.totalCount <= 20 && pool.totalCount >= 2, 'pool opened several connections', pool.totalCount);
  await pool.end();
  check(true, 'pool.end() returned');
}

main().then(() => {
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
}).catch(e => {
  console.log('FAIL: ' + (e && e.stack || e));
  console.log(passed + ' passed, ' + (failed + 1) + ' failed');
  process.exit(1);
});
