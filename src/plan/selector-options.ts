/**
 * --msg-property and --recv-selector resolved: the properties messages carry
 * (with the run's seed, which generated values are derived from) and the JMS
 * selector every receiver attaches with. The selector is compiled here once,
 * by salvo's own selector code, so that a bad one is a usage error before any
 * worker starts, and the checker judges with the very grammar it was checked by.
 */
import { compileSelector, SelectorSyntaxError } from '../selector/index.js';
import { PlanError } from './errors.js';
import { parseProperties, variantCount, type MessageProperties, type RawProperties } from './properties.js';

export interface SelectionInput {
  msgProperty?: RawProperties;
  recvSelector?: string;
}

export interface SelectionParts {
  messageProperties?: MessageProperties;
  recvSelector?: string;
}

export interface SelectionContext {
  seed: number;
  receivers: number;
  atMostOnce: boolean;
  transactional: boolean;
}

export function resolveSelection(input: SelectionInput, context: SelectionContext): SelectionParts {
  const properties = parseProperties(input.msgProperty);
  if (properties.length > 0) variantCount(properties);
  const parts: SelectionParts = properties.length > 0 ? { messageProperties: { seed: context.seed, properties } } : {};
  if (input.recvSelector === undefined) return parts;
  const text = String(input.recvSelector).trim();
  if (text === '') throw new PlanError('--recv-selector must be a JMS selector, got ""');
  try {
    compileSelector(text);
  } catch (error) {
    if (error instanceof SelectorSyntaxError) throw new PlanError(`--recv-selector: ${error.message.split('\n')[0]}`);
    throw error;
  }
  if (context.receivers === 0) throw new PlanError('--recv-selector needs receivers, got --receivers 0');
  // The drain counts accepted matching messages; at-most-once and transactions count elsewhere (not supported yet).
  if (context.atMostOnce) throw new PlanError('--recv-selector works at least once only, got --link-at-most-once');
  if (context.transactional)
    throw new PlanError('--recv-selector cannot be combined with --tx-size or --recv-tx-size yet');
  return { ...parts, recvSelector: text };
}
