create or replace trigger case_decision_metrics_change
  after insert or update on case_decision
  for each row
  execute function case_metrics_change();
