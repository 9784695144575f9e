select 1 as one;
select a,
  b frm shell_t;
select 2 as two;
