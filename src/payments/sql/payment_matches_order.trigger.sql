create or replace trigger payment_matches_order
  before insert on payment
  for each row
  execute function payment_matches_order();
