import { useCallback, useRef, useState } from 'react';
import { api } from './client';
import { type ApiError, asApiError } from '../api/errors';
import type { AgentTest, AgentTestRequest } from '../api/types';

/** "Test agent": the answer, or why the test itself was refused (a bad URL, no instance named). */
export function useAgentTest() {
  const [result, setResult] = useState<AgentTest>();
  const [error, setError] = useState<ApiError>();
  const [testing, setTesting] = useState(false);
  const latest = useRef(0);

  /** A saved host (its id), or an agent as typed in a form. */
  const run = useCallback(async (target: number | AgentTestRequest) => {
    const n = ++latest.current;
    setTesting(true);
    setResult(undefined);
    setError(undefined);
    try {
      const answer = typeof target === 'number' ? await api.testHost(target) : await api.testAgent(target);
      if (n === latest.current) {
        setResult(answer);
      }
    } catch (err) {
      if (n === latest.current) {
        setError(asApiError(err));
      }
    } finally {
      if (n === latest.current) {
        setTesting(false);
      }
    }
  }, []);
  const clear = useCallback(() => {
    latest.current++;
    setResult(undefined);
    setError(undefined);
    setTesting(false);
  }, []);
  return { result, error, testing, run, clear };
}
