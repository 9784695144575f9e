-- a script: comments, semicolons inside literals and comments,
-- multi-line statements, meta-commands, and a last statement without ';'
select 'a;b' as s, 1 + 1 as two;
select a, b
  from shell_t   -- a comment; with a semicolon
 where a > 1
 order by a;
\pset null (null)
select b from shell_t order by a;
\x
select a, c from shell_t where a = 1;
\x off
\echo done
select 'no semicolon at the end' as last
