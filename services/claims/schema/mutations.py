"""Mutations of the claims subgraph: one per step, each with an input and a typed payload."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.claims.schema.context import ClaimsContext
from services.claims.schema.inputs import (
    CancelMeetingInput,
    CompleteProjectInput,
    ConcludeMeetingInput,
    DecideClaimInput,
    EvaluateProjectInput,
    RateProjectInput,
    RecordDisbursementInput,
    RecordRectificationInput,
    RecordSupervisionInput,
    RecordTrainingInput,
    ReplanMeetingInput,
    ReportProgressInput,
    ScheduleMeetingInput,
    ShortlistClaimInput,
    StartImplementationInput,
    SubmitClaimInput,
    TerminateClaimInput,
    WithdrawClaimInput,
)
from services.claims.schema.payloads import ClaimPayload, MeetingPayload
from services.claims.schema.statistics import StatisticsMutation

__all__ = ["Mutation"]


@strawberry.type(description="Result of submitClaim.")
class SubmitClaimPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of withdrawClaim.")
class WithdrawClaimPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of shortlistClaim.")
class ShortlistClaimPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of decideClaim.")
class DecideClaimPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of recordTraining.")
class RecordTrainingPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of startImplementation.")
class StartImplementationPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of recordSupervision.")
class RecordSupervisionPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of recordRectification.")
class RecordRectificationPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of reportProgress.")
class ReportProgressPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of recordDisbursement.")
class RecordDisbursementPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of completeProject.")
class CompleteProjectPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of evaluateProject.")
class EvaluateProjectPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of rateProject.")
class RateProjectPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of terminateClaim.")
class TerminateClaimPayload(ClaimPayload):
    pass


@strawberry.type(description="Result of scheduleMeeting.")
class ScheduleMeetingPayload(MeetingPayload):
    pass


@strawberry.type(description="Result of replanMeeting.")
class ReplanMeetingPayload(MeetingPayload):
    pass


@strawberry.type(description="Result of concludeMeeting.")
class ConcludeMeetingPayload(MeetingPayload):
    pass


@strawberry.type(description="Result of cancelMeeting.")
class CancelMeetingPayload(MeetingPayload):
    pass


@strawberry.type(description="Claim, decide, implement, supervise, evaluate; every step checks your role and community.")
class Mutation(StatisticsMutation):
    @strawberry.mutation(
        description="Claim a published item: an organization through its leader (or staff at the desk), or a resident as an individual."
    )
    async def submit_claim(self, info: Info[ClaimsContext, None], input: SubmitClaimInput) -> SubmitClaimPayload:
        return await SubmitClaimPayload.run(
            info,
            lambda handlers, principal: handlers.submit_claim(
                principal,
                str(input.item_id),
                str(input.organization_id) if input.organization_id else None,
                input.proposal.to_proposal(),
                idempotency_key=input.idempotency_key,
            ),
        )

    @strawberry.mutation(description="The claimant withdraws its claim before the decision.")
    async def withdraw_claim(self, info: Info[ClaimsContext, None], input: WithdrawClaimInput) -> WithdrawClaimPayload:
        return await WithdrawClaimPayload.run(
            info, lambda handlers, principal: handlers.withdraw_claim(principal, str(input.claim_id), input.reason)
        )

    @strawberry.mutation(description="Staff put a claim forward to the intention meeting.")
    async def shortlist_claim(self, info: Info[ClaimsContext, None], input: ShortlistClaimInput) -> ShortlistClaimPayload:
        return await ShortlistClaimPayload.run(info, lambda handlers, principal: handlers.shortlist_claim(principal, str(input.claim_id)))

    @strawberry.mutation(
        description="Staff record the intention meeting's decision on a claim; approvals never exceed the item's slots or budget."
    )
    async def decide_claim(self, info: Info[ClaimsContext, None], input: DecideClaimInput) -> DecideClaimPayload:
        return await DecideClaimPayload.run(
            info,
            lambda handlers, principal: handlers.decide_claim(
                principal, str(input.meeting_id), str(input.claim_id), input.outcome, input.reason
            ),
        )

    @strawberry.mutation(description="Staff record a training session (培训).")
    async def record_training(self, info: Info[ClaimsContext, None], input: RecordTrainingInput) -> RecordTrainingPayload:
        return await RecordTrainingPayload.run(
            info,
            lambda handlers, principal: handlers.record_training(
                principal, str(input.claim_id), on=input.on, topic=input.topic, trainer=input.trainer, attendees=input.attendees
            ),
        )

    @strawberry.mutation(description="The claimant (or staff) starts the work after training.")
    async def start_implementation(self, info: Info[ClaimsContext, None], input: StartImplementationInput) -> StartImplementationPayload:
        return await StartImplementationPayload.run(
            info, lambda handlers, principal: handlers.start_implementation(principal, str(input.claim_id))
        )

    @strawberry.mutation(description="Staff record a supervision visit (督导).")
    async def record_supervision(self, info: Info[ClaimsContext, None], input: RecordSupervisionInput) -> RecordSupervisionPayload:
        return await RecordSupervisionPayload.run(
            info,
            lambda handlers, principal: handlers.record_supervision(
                principal,
                str(input.claim_id),
                on=input.on,
                supervisor=input.supervisor,
                findings=input.findings,
                rectification_required=input.rectification_required,
                rectification_deadline=input.rectification_deadline,
            ),
        )

    @strawberry.mutation(description="The claimant (or staff) reports a rectification done.")
    async def record_rectification(self, info: Info[ClaimsContext, None], input: RecordRectificationInput) -> RecordRectificationPayload:
        return await RecordRectificationPayload.run(
            info,
            lambda handlers, principal: handlers.record_rectified(principal, str(input.claim_id), str(input.visit_id), input.rectified_on),
        )

    @strawberry.mutation(description="The claimant's leader reports progress.")
    async def report_progress(self, info: Info[ClaimsContext, None], input: ReportProgressInput) -> ReportProgressPayload:
        return await ReportProgressPayload.run(
            info,
            lambda handlers, principal: handlers.report_progress(
                principal,
                str(input.claim_id),
                percent=input.percent,
                narrative=input.narrative,
                photo_urls=input.photo_urls,
                volunteer_hours=input.volunteer_hours,
            ),
        )

    @strawberry.mutation(description="Staff pay out funds; never more per source than approved.")
    async def record_disbursement(self, info: Info[ClaimsContext, None], input: RecordDisbursementInput) -> RecordDisbursementPayload:
        return await RecordDisbursementPayload.run(
            info,
            lambda handlers, principal: handlers.record_disbursement(
                principal, str(input.claim_id), line=input.line.to_line(), on=input.on, purpose=input.purpose
            ),
        )

    @strawberry.mutation(description="The claimant (or staff) declares the work done.")
    async def complete_project(self, info: Info[ClaimsContext, None], input: CompleteProjectInput) -> CompleteProjectPayload:
        return await CompleteProjectPayload.run(info, lambda handlers, principal: handlers.complete_project(principal, str(input.claim_id)))

    @strawberry.mutation(description="Staff make the summary evaluation (总结评估).")
    async def evaluate_project(self, info: Info[ClaimsContext, None], input: EvaluateProjectInput) -> EvaluateProjectPayload:
        return await EvaluateProjectPayload.run(
            info,
            lambda handlers, principal: handlers.evaluate_project(principal, str(input.claim_id), input.rubric.to_rubric(), input.summary),
        )

    @strawberry.mutation(description="A resident who was served rates the project (one rating each).")
    async def rate_project(self, info: Info[ClaimsContext, None], input: RateProjectInput) -> RateProjectPayload:
        return await RateProjectPayload.run(
            info, lambda handlers, principal: handlers.rate_project(principal, str(input.claim_id), input.score, input.comment)
        )

    @strawberry.mutation(description="Staff stop an approved claim's work, with a reason.")
    async def terminate_claim(self, info: Info[ClaimsContext, None], input: TerminateClaimInput) -> TerminateClaimPayload:
        return await TerminateClaimPayload.run(
            info, lambda handlers, principal: handlers.terminate_claim(principal, str(input.claim_id), input.reason)
        )

    @strawberry.mutation(description="Staff call an intention meeting (认领意向会) on published items.")
    async def schedule_meeting(self, info: Info[ClaimsContext, None], input: ScheduleMeetingInput) -> ScheduleMeetingPayload:
        return await ScheduleMeetingPayload.run(
            info,
            lambda handlers, principal: handlers.schedule_meeting(
                principal, input.to_plan(str(input.community_id)), idempotency_key=input.idempotency_key
            ),
        )

    @strawberry.mutation(description="Staff change a scheduled meeting.")
    async def replan_meeting(self, info: Info[ClaimsContext, None], input: ReplanMeetingInput) -> ReplanMeetingPayload:
        return await ReplanMeetingPayload.run(
            info, lambda handlers, principal: handlers.replan_meeting(principal, str(input.meeting_id), input.to_plan(""))
        )

    @strawberry.mutation(description="Staff close the meeting with its minutes.")
    async def conclude_meeting(self, info: Info[ClaimsContext, None], input: ConcludeMeetingInput) -> ConcludeMeetingPayload:
        return await ConcludeMeetingPayload.run(
            info,
            lambda handlers, principal: handlers.conclude_meeting(
                principal, str(input.meeting_id), input.minutes, public_minutes=input.public_minutes
            ),
        )

    @strawberry.mutation(description="Staff call off a meeting that decided nothing.")
    async def cancel_meeting(self, info: Info[ClaimsContext, None], input: CancelMeetingInput) -> CancelMeetingPayload:
        return await CancelMeetingPayload.run(
            info, lambda handlers, principal: handlers.cancel_meeting(principal, str(input.meeting_id), input.reason)
        )
