import { describe, expect, it } from 'vitest';
import { redactMessage, redactPlan } from './bound-values-redactor';

describe('redactPlan', () => {
  it('takes literals out of PostgreSQL conditions and keeps names and figures', () => {
    const plan = [
      {
        Plan: {
          'Node Type': 'Index Scan',
          'Relation Name': 'users2',
          'Index Name': 'idx_users_api_token_2024',
          Alias: 'u',
          'Plan Rows': 1,
          'Index Cond': "((api_token)::text = 'token-customer-1'::text)",
          Filter: "((views > 1500) AND (tags && '{a,b}'::text[]) AND (owner_id = $1))",
          'Sort Key': ["(lower((email)::text) || 'x-secret-suffix'::text)"],
        },
      },
    ];
    expect(redactPlan(plan, 'postgresql', undefined)).toEqual([
      {
        Plan: {
          'Node Type': 'Index Scan',
          'Relation Name': 'users2',
          'Index Name': 'idx_users_api_token_2024',
          Alias: 'u',
          'Plan Rows': 1,
          'Index Cond': '((api_token)::text = ?::text)',
          Filter: '((views > ?) AND (tags && ?::text[]) AND (owner_id = $1))',
          'Sort Key': ['(lower((email)::text) || ?::text)'],
        },
      },
    ]);
  });

  it('keeps MySQL cost strings and takes out a bound value wherever it appears', () => {
    const plan = {
      query_block: {
        cost_info: { query_cost: '12.50' },
        table: { table_name: 'documents', key_length: '5', attached_condition: "documents.sku = 'SECRET-42' and documents.n > 7", message: 'note SECRET-42' },
      },
    };
    expect(redactPlan(plan, 'mariadb', ['SECRET-42', 7])).toEqual({
      query_block: {
        cost_info: { query_cost: '12.50' },
        table: { table_name: 'documents', key_length: '5', attached_condition: 'documents.sku = ? and documents.n > ?', message: 'note ?' },
      },
    });
  });

  it('replaces a text that is exactly a short bound value, and values nested in arrays and objects', () => {
    const plan = [{ detail: 'ab' }, { detail: 'SEARCH t USING INDEX i (x=?)' }, { detail: 'CO-nested-1 and {"k":"v"}' }];
    expect(redactPlan(plan, 'sqlite', ['ab', ['CO-nested-1'], { k: 'v' }])).toEqual([
      { detail: '?' },
      { detail: 'SEARCH t USING INDEX i (x=?)' },
      { detail: '? and ?' },
    ]);
  });
});

describe('redactMessage', () => {
  it('takes out quoted literals and bound values, and keeps quoted identifiers', () => {
    expect(redactMessage('invalid input syntax for type integer: "12x"', ['12x'])).toBe('invalid input syntax for type integer: "?"');
    expect(redactMessage('relation "documents" does not exist', ['SECRET-1'])).toBe('relation "documents" does not exist');
    expect(redactMessage("You have an error in your SQL syntax near 'SECRET-1 AND x = 2' at line 1", [])).toBe(
      'You have an error in your SQL syntax near ? at line 1',
    );
    expect(redactMessage('value SECRET-1 too long', ['SECRET-1'])).toBe('value ? too long');
  });
});
