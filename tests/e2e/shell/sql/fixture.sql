-- fixture for the shell's end-to-end tests
create table shell_t (a integer not null, b varchar(20), c decimal(10,2));
insert into shell_t values (1, 'héllo', 2.50), (22, null, -3.00), (333, 'x, "y"', null);
create table shell_wide_table (id integer, description varchar(200), another_long_column_name varchar(200));
insert into shell_wide_table values (1, 'a description long enough to overflow an eighty column terminal when shown as a table', 'and some more text');
