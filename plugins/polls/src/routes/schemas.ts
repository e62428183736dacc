// JSON Schemas of the polls API: they validate input and make the OpenAPI document.
import { itemSchema } from '@plein/core'

export const uuid = { type: 'string', format: 'uuid' }
export const idParams = { type: 'object', properties: { id: uuid } }
const time = { type: 'string', format: 'date-time' }
const label = { type: 'string', minLength: 1, maxLength: 300, pattern: '\\S' }

export const pollFields = {
  title: { type: 'string', minLength: 1, maxLength: 300, pattern: '\\S', description: 'The question.' },
  description: { type: 'string', maxLength: 10000, description: 'Plain text: context for the question.' },
  mode: { enum: ['single', 'multiple', 'open'], description: 'One option, several options, or an open answer.' },
  options: { type: 'array', maxItems: 100, items: label, description: 'The options, in order (single and multiple choice).' },
  maxChoices: { type: ['integer', 'null'], minimum: 1, description: 'Multiple choice: at most this many options (default: all).' },
  opensAt: { ...time, description: 'When voting opens (default: now).' },
  closesAt: { type: ['string', 'null'], format: 'date-time', description: 'When voting closes (null: when a manager closes it).' },
  showResults: { enum: ['afterVote', 'afterClose'], description: "When voters see the results (default: the site's setting)." },
  allowEmailVotes: { type: 'boolean', description: 'Public polls only: people without an account vote with an e-mail address they confirm.' },
}

const results = {
  type: ['object', 'null'],
  required: ['totalVotes', 'options'],
  properties: {
    totalVotes: { type: 'integer' },
    options: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'label', 'votes', 'percentage'],
        properties: { id: { type: 'string' }, label: { type: 'string' }, votes: { type: 'integer' }, percentage: { type: 'number' } },
      },
    },
  },
}

export const resultsSchema = {
  type: 'object',
  required: ['pollId', 'status', 'totalVotes', 'options'],
  properties: { pollId: { type: 'string' }, status: { enum: ['upcoming', 'open', 'closed'] }, ...results.properties },
}

/** A poll as the API shows it: every content item's fields plus its own. */
export const pollSchema = {
  ...itemSchema,
  required: [...itemSchema.required, 'description', 'mode', 'options', 'opensAt', 'closesAt', 'status', 'showResults', 'allowEmailVotes', 'viewerVote', 'results'],
  properties: {
    ...itemSchema.properties,
    description: { type: 'string' },
    mode: pollFields.mode,
    maxChoices: { type: ['integer', 'null'] },
    options: { type: 'array', items: { type: 'object', required: ['id', 'label'], properties: { id: { type: 'string' }, label: { type: 'string' } } } },
    opensAt: time,
    closesAt: { type: ['string', 'null'], format: 'date-time' },
    status: { enum: ['upcoming', 'open', 'closed'] },
    showResults: pollFields.showResults,
    allowEmailVotes: { type: 'boolean' },
    viewerVote: {
      type: ['object', 'null'],
      description: "The signed-in viewer's own vote.",
      properties: { optionIds: { type: 'array', items: { type: 'string' } }, answer: { type: ['string', 'null'] }, createdAt: time },
    },
    results: { ...results, description: 'null while the viewer may not see them (before voting, or before closing).' },
    commentCount: { type: 'integer' },
  },
}

export const voteBody = {
  type: 'object',
  properties: {
    optionIds: { type: 'array', minItems: 1, maxItems: 100, items: uuid, description: 'Single and multiple choice.' },
    answer: { type: 'string', minLength: 1, maxLength: 5000, pattern: '\\S', description: 'Open questions.' },
    email: {
      type: 'string',
      format: 'email',
      maxLength: 254,
      description: 'Without an account, on polls that allow it: the vote counts once this address confirms it through the mailed link.',
    },
  },
}
