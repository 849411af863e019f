create or replace trigger case_appeal_metrics_change
  after insert or update on case_appeal
  for each row
  execute function case_metrics_change();
