-- nvent store schema, version 28: the labels a run was started with (StartOptions.labels, RunQuery.withLabel).
--   * run.labels_text: the run's labels as it is read, sorted, one per line (a label holds no control
--     character); null for a run without labels, as for every run stored before this version.
--   * run_label: one row per label of a run, so that the runs of one label are found and paged newest first
--     through run_label_started_idx, in the order of the run list (run_started_idx, V10), without reading the
--     runs of other labels. started_at is the run's, copied: the order lives in the index. The primary key
--     leads with run_id, so that deleting a run (on delete cascade) finds its labels by index.
-- The same SQL on PostgreSQL and H2.
alter table ${prefix}run add column labels_text varchar(700);
create table ${prefix}run_label (
    run_id      varchar(255)             not null,
    label       varchar(64)              not null,
    started_at  timestamp with time zone not null,
    constraint ${prefix}run_label_pk primary key (run_id, label),
    constraint ${prefix}run_label_run_fk foreign key (run_id)
        references ${prefix}run (run_id) on delete cascade
);
create index ${prefix}run_label_started_idx on ${prefix}run_label (label, started_at desc, run_id desc);
