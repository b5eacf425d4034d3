import type zh from './zh'

const en: typeof zh = {
  app: { title: 'Yuandian Online · Console' },
  nav: {
    menu: 'Menu', language: 'Language', signOut: 'Sign out',
    dashboard: 'Dashboard', appeals: 'Appeals', mediation: 'Mediation', monthly: 'Issue of the month', consultations: 'Consultations',
    notifications: 'Notifications', residents: 'Residences', staff: 'Staff & roles',
  },
  common: {
    previous: 'Previous', next: 'Next', cancel: 'Cancel', submit: 'Submit', reason: 'Reason', grid: 'Grid unit', all: 'All',
    empty: 'Nothing here', back: 'Back',
  },
  errors: { network: 'The server cannot be reached; check the network and try again.' },
  login: { subtitle: 'Sign-in for grid workers, mediators and staff', username: 'Username', password: 'Password', submit: 'Sign in' },
  forbidden: { title: 'No access to the console', body: 'The console is for staff, grid workers and mediators. Residents use the Yuandian mini-program.', signInAgain: 'Sign in with another account' },
  notFound: { title: 'Page not found', body: 'This page does not exist or is outside your area.', home: 'Home' },
  home: { welcome: 'Hello, {name}', roles: 'Your roles and areas:' },
  roles: {
    admin: 'Admin', staff: 'Staff', grid_leader: 'Grid leader', grid_worker: 'Grid worker', mediator: 'Mediator', volunteer: 'Volunteer',
    elder: 'Elder', police: 'Police', lawyer: 'Lawyer', utility_worker: 'Utility worker', merchant: 'Merchant', craftsman: 'Craftsman', partner: 'Partner', resident: 'Resident',
  },
  level: { district: 'District', street: 'Street', community: 'Community', grid: 'Grid', micro: 'Micro-grid', dedicated: 'Dedicated grid' },
  status: {
    appeal: { submitted: 'Submitted', accepted: 'In hand', resolved: 'Resolved', closed: 'Closed', rejected: 'Rejected' },
    case: { applied: 'Applied', accepted: 'Accepted', declined: 'Declined', mediating: 'Mediating', agreed: 'Agreed', failed: 'Failed', closed: 'Closed' },
    round: { nominating: 'Nominating', voting: 'Voting', counted: 'Counted', implementing: 'Implementing', completed: 'Completed' },
    residence: { pending: 'Pending', verified: 'Verified', rejected: 'Rejected', superseded: 'Superseded' },
    consultation: {
      collecting: 'Collecting', review: 'Under review', scheduled: 'Meeting set', deliberating: 'Deliberating', publicized: 'Resolution public', no_consensus: 'No consensus',
      implementing: 'Implementing', evaluating: 'Evaluating', closed: 'Closed', rejected: 'Rejected', merged: 'Merged', converted: 'Converted',
    },
    delivery: { pending: 'Pending', sent: 'Sent', failed: 'Retrying', dead: 'Dead' },
  },
  category: {
    appeal: { environment: 'Environment', facilities: 'Facilities', neighbour: 'Neighbours', safety: 'Safety', property: 'Property', utilities: 'Utilities', policy: 'Policy', other: 'Other' },
    case: { neighbour: 'Neighbours', family: 'Family', housing: 'Housing', property: 'Property', contract: 'Contract', damages: 'Damages', labour: 'Labour', consumer: 'Consumer', traffic: 'Traffic', other: 'Other' },
  },
  dashboard: {
    title: 'Area at a glance', trail: 'Level', period: 'Period', from: 'From', to: 'To', generated: 'Figures of {at}',
    headlines: 'Headline figures', series: 'Appeals by day', received: 'Received', closedDaily: 'Closed', children: 'Units below, ranked', rankBy: 'Rank by',
    rank: 'Rank', noChildren: 'No units below this one', chartLabel: 'Daily chart: {received} appeals received and {closed} closed in the period',
    figures: {
      residents: { total: 'Residents', verified: 'Verified residents', active_30d: 'Active (30 days)' },
      appeals: {
        received: 'Appeals received', closed: 'Appeals closed', on_time_rate: 'Closed on time', closed_in_grid_rate: 'Closed within the grid', satisfaction_rate: 'Satisfied',
        overdue_open: 'Overdue, open', median_close_hours: 'Median hours to close', per_1000_residents: 'Appeals per 1,000 residents', escalated_rate: 'Escalated',
      },
      mediation: { applied: 'Mediation cases', agreed_rate: 'Agreed' },
      consultations: { raised: 'Topics raised', resolved: 'Topics resolved' },
      monthly: { turnout_rate: 'Monthly vote turnout' },
      notifications: { sent: 'Notifications delivered', dead: 'Dead deliveries' },
    },
  },
  consult: {
    title: 'Consultations', queue: 'Review queue', moderation: 'Moderation', status: 'Status', kind: 'Kind', kinds: { quick: 'Quick', deep: 'In depth' },
    search: 'Search title or text', topic: 'Topic', supports: 'Supports', created: 'Raised', held: 'Held', hidden: 'Hidden', author: 'Raised by',
    decideBy: 'Decide by', mergeInto: 'Merge into topic number', convertTo: 'Convert to', toAppeal: 'Appeal', toMonthly: 'Monthly nomination', note: 'Note',
    scheduledAt: 'Meeting time', place: 'Place', agenda: 'Agenda (one item a line)', quorum: 'Quorum', registered: 'Registered', checkedIn: 'Signed in',
    checkInCode: 'Check-in code', meetings: 'Meetings', openMotion: 'Open a motion', closeMotion: 'Close the vote', motionText: 'Motion', noMotions: 'No motions yet',
    for: 'For', against: 'Against', abstain: 'Abstain', outcome: 'Outcome', passed: 'Passed', notPassed: 'Not passed', refresh: 'Refresh', refreshed: 'Updated {at}',
    minutes: 'Minutes', recordMinutes: 'Record minutes', resolution: 'Resolution', attendees: 'Attendees', approved: 'Approved', awaitingApproval: 'Awaiting approval',
    objectionEnds: 'Objections until {at}', objections: 'Objections', objection: 'Objection', answer: 'Answer', progress: 'Progress', addProgress: 'Report progress',
    progressContent: 'Progress note', timeline: 'History', text: 'Text', why: 'Why', moderate: 'Action', hide: 'Hide', release: 'Publish', restore: 'Restore',
    kindOfItem: 'Kind of item', items: { post: 'Posts', objection: 'Objections', consultation: 'Topics' },
    reportReasons: { spam: 'Spam', offensive: 'Offensive', privacy: 'Privacy', off_topic: 'Off topic', other: 'Other' },
    actions: {
      take_up: 'Take up', schedule: 'Convene', reject: 'Reject', merge: 'Merge', convert: 'Convert', publicize: 'Publish resolution',
      fail_consensus: 'No consensus', escalate: 'Escalate', end: 'End',
    },
    events: {
      create: 'Raised', support: 'Supported', reach_threshold: 'Threshold reached', take_up: 'Taken up', schedule: 'Convened', meeting: 'Meeting set', reject: 'Rejected',
      merge: 'Merged', merged_in: 'Merged in', convert: 'Converted', deliberate: 'Deliberation began', publicize: 'Resolution published', fail_consensus: 'No consensus',
      escalate: 'Escalated', end: 'Ended', implement: 'Implementing', start_evaluation: 'Evaluation began', close: 'Closed', reopen: 'Reopened', progress: 'Progress',
    },
  },
  appeals: {
    title: 'Appeals', status: 'Status', category: 'Category', gridSubtree: 'Grid (with subunits)', overdueOnly: 'Overdue only', number: 'Number',
    subject: 'Title', handlingGrid: 'Handled by', deadline: 'Deadline', overdue: 'Overdue', hotline: '12345 order', grid: 'Grid',
    created: 'Created', address: 'Address', position: 'Position (lat, lng)', submitter: 'Submitter', phone: 'Phone', mediationCase: 'Mediation case',
    score: 'Rating', description: 'Description', photos: 'Photos', photoAlt: 'Appeal photo {n}', timeline: 'Timeline', content: 'Reply', resolution: 'Resolution',
    actions: { accept: 'Accept', reply: 'Reply', resolve: 'Resolve', escalate: 'Escalate', reject: 'Reject', to_mediation: 'To mediation' },
    events: {
      submit: 'Submitted', accept: 'Accepted', reply: 'Reply', resolve: 'Resolved', escalate: 'Escalated', reject: 'Rejected', reopen: 'Reopened',
      rate: 'Rated', close: 'Closed', overdue: 'Overdue', to_mediation: 'To mediation', auto_escalate: 'Escalated on time-out', hotline_sync: '12345 sync',
    },
  },
  mediation: {
    title: 'Mediation', status: 'Status', mine: 'Mine', number: 'Number', subject: 'Subject', team: 'Team', nextSession: 'Next session',
    category: 'Category', mediators: 'Mediators', fromAppeal: 'From appeal', referral: 'Referral', parties: 'Parties', partyName: 'Name',
    partyRole: 'Role', sessions: 'Sessions', scheduledAt: 'When', place: 'Place', notes: 'Notes', terms: 'Terms', fulfilled: 'Agreement kept',
    agreement: 'Agreement', followUps: 'Follow-ups',
    partyRoles: { applicant: 'Applicant', respondent: 'Respondent' },
    memberRoles: { lead: 'Lead', mediator: 'Mediator', police: 'Police', lawyer: 'Lawyer', volunteer: 'Volunteer', elder: 'Elder' },
    referrals: { court: 'Court', arbitration: 'Arbitration', police: 'Police', petition: 'Petition', none: 'None' },
    actions: { accept: 'Accept', decline: 'Decline', schedule: 'Schedule session', record: 'Record session', agree: 'Agreement', fail: 'Failed', follow_up: 'Follow-up', escalate: 'Escalate' },
    events: {
      apply: 'Applied', from_appeal: 'From appeal', accept: 'Accepted', decline: 'Declined', schedule: 'Session scheduled', record: 'Session recorded',
      agree: 'Agreed', fail: 'Failed', follow_up: 'Follow-up', escalate: 'Escalated', overdue: 'Overdue',
    },
  },
  monthly: {
    title: 'Issue of the month', status: 'Status', create: 'New round', scope: 'Scope', month: 'Month', roundTitle: 'Title', description: 'Description',
    nominationEnds: 'Nominations end', votingStarts: 'Voting', votingEnds: 'Voting ends', maxChoices: 'Choices per voter', visibility: 'Results',
    visibilities: { after_close: 'After close', live: 'Live' },
    openVoting: 'Open voting', closeVoting: 'Close and count', addCandidate: 'Add candidate', addProgress: 'Report progress', turnout: 'Turnout',
    live: 'Live', candidates: 'Candidates', candidateTitle: 'Item', votes: 'Votes', winner: 'Winner', results: 'Results',
    nominations: 'Nominations', nomination: 'Nomination id', isCandidate: 'Candidate', promote: 'Make candidate', progress: 'Progress',
    progressContent: 'Progress note', percent: 'Done (%)',
  },
  notify: {
    title: 'Notifications', announcements: 'Announcements', dead: 'Dead deliveries', chats: 'Group chats', area: 'Area', subject: 'Title', body: 'Body',
    channels: 'Channels', channel: { inbox: 'Inbox', group_chat: 'Group chat', subscribe: 'Subscribe message' }, send: 'Send',
    recipients: '{n} residents', attempts: 'Attempts', lastError: 'Last error', retry: 'Retry', addChat: 'Add group chat', chatName: 'Chat',
    provider: 'Provider', providers: { wecom: 'WeCom', dingtalk: 'DingTalk', feishu: 'Feishu' }, webhook: 'Robot webhook', secret: 'Signing secret',
    test: 'Send test', testSent: 'Test message sent',
  },
  residents: { title: 'Residences', status: 'Status', resident: 'Resident', note: 'Note', verify: 'Verify', reject: 'Reject' },
  staff: {
    title: 'Staff & roles', createAccount: 'New staff account', assign: 'Assign role', pickUnit: 'Pick a grid unit first.', username: 'Username',
    name: 'Name', role: 'Role (at the chosen unit)', userId: 'User id', created: 'Account {id} {name} created',
  },
}
export default en
