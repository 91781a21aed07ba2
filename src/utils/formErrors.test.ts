import { ApiError } from '../api/errors';
import { formErrorsOf } from './formErrors';

const FIELDS = ['name', 'address', 'fagent_url', 'backend_scope'] as const;

describe('formErrorsOf', () => {
  it("puts each part of the backend's 400 under the field it names", () => {
    const err = new ApiError(
      'name: must not be empty; fagent_url: FAgent URL must use http or https, not ftp; backend_scope.1: must be at most 200 characters',
      400,
      'bad_request',
      'bad_request'
    );
    expect(formErrorsOf(err, FIELDS)).toEqual({
      fields: {
        name: 'must not be empty',
        fagent_url: 'FAgent URL must use http or https, not ftp',
        backend_scope: 'item 2: must be at most 200 characters',
      },
    });
  });

  it('keeps what names no field of the form as the general message', () => {
    const err = new ApiError('body: Unrecognized key: "x"; name: must not be empty', 400, 'bad_request', 'bad_request');
    expect(formErrorsOf(err, FIELDS)).toEqual({
      fields: { name: 'must not be empty' },
      general: 'body: Unrecognized key: "x"',
    });
  });

  it('places a duplicate on the last column of the refused key', () => {
    const err = new ApiError(
      'already exists: Key (host_id, name)=(1, main) already exists.',
      409,
      'conflict',
      'conflict'
    );
    expect(formErrorsOf(err, FIELDS)).toEqual({ fields: { name: 'already exists' } });
    // A unique index on an expression (applications: coalesce(host_id, 0), name).
    const onIndex = new ApiError(
      'already exists: Key (COALESCE(host_id, 0), name)=(0, shop) already exists.',
      409,
      'conflict',
      'conflict'
    );
    expect(formErrorsOf(onIndex, FIELDS)).toEqual({ fields: { name: 'already exists' } });
  });

  it('gives any other refusal as it is', () => {
    const err = new ApiError('this needs the admin role; token "ops" has operator', 403, 'forbidden', 'forbidden');
    expect(formErrorsOf(err, FIELDS)).toEqual({ fields: {}, general: err.message });
    expect(formErrorsOf(new Error('boom'), FIELDS)).toEqual({ fields: {}, general: 'boom' });
  });
});
