export { LedgerAccountSchema, type LedgerAccount } from './account.entity.js';
export { JournalEntrySchema, type JournalEntry } from './journal-entry.entity.js';
export { PostingSchema, type Posting } from './posting.entity.js';
