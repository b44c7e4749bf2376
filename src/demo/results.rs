//! The demo fair's results: visitors counted at the gates each day, a memorandum between a
//! supermarket chain and OCOP producers, contracts, awards, side events and a note.

use chrono::Duration;
use hoicho_events::{
    AgreementKind, AgreementSigned, AwardGiven, CountMethod, Event, FairId, SideEventHeld, VisitorsCounted,
};
use uuid::Uuid;

use crate::app::AppState;
use crate::domain::results::ResultsCommand;
use crate::service::{self, CommandContext};

pub async fn load(state: &AppState, fair_id: &FairId, ctx: &CommandContext) -> anyhow::Result<()> {
    let (first_day, exhibitors) = {
        let p = state.read();
        let Some(fair) = p.fairs.by_id.get(fair_id) else {
            return Ok(());
        };
        let exhibitors: Vec<_> = fair.holdings.keys().copied().collect();
        (fair.details.start_date, exhibitors)
    };
    if exhibitors.len() < 30 {
        return Ok(());
    }
    let day = |n: i64| first_day + Duration::days(n);
    let mut commands: Vec<ResultsCommand> = [6_200u32, 7_900, 9_400, 12_800, 11_300]
        .iter()
        .enumerate()
        .map(|(n, visitors)| {
            ResultsCommand::CountVisitors(VisitorsCounted {
                fair_id: fair_id.clone(),
                day: day(n as i64),
                visitors: *visitors,
                method: if n == 0 {
                    CountMethod::Estimate
                } else {
                    CountMethod::Counter
                },
                source: if n == 0 {
                    "Ban tổ chức ước tính (khai mạc)".into()
                } else {
                    "Máy đếm cổng chính và cổng phụ".into()
                },
            })
        })
        .collect();
    let entries = [
        Event::AgreementSigned(AgreementSigned {
            agreement_id: Uuid::now_v7(),
            fair_id: fair_id.clone(),
            kind: AgreementKind::Memorandum,
            parties: "Siêu thị Co.op Mart Hà Tĩnh và 25 chủ thể OCOP".into(),
            exhibitors: exhibitors[..25].to_vec(),
            products: "Đặc sản, nông sản OCOP từ 3 sao".into(),
            value_vnd: None,
            signed_on: day(0),
        }),
        Event::AgreementSigned(AgreementSigned {
            agreement_id: Uuid::now_v7(),
            fair_id: fair_id.clone(),
            kind: AgreementKind::Contract,
            parties: "Công ty CP Thương mại Hồng Lĩnh và HTX Cam Vũ Quang".into(),
            exhibitors: vec![exhibitors[25]],
            products: "Cam bù, cam chanh".into(),
            value_vnd: Some(1_200_000_000),
            signed_on: day(2),
        }),
        Event::AwardGiven(AwardGiven {
            award_id: Uuid::now_v7(),
            fair_id: fair_id.clone(),
            name: "Gian hàng trưng bày đẹp nhất".into(),
            registration_id: exhibitors[26],
            note: String::new(),
        }),
        Event::AwardGiven(AwardGiven {
            award_id: Uuid::now_v7(),
            fair_id: fair_id.clone(),
            name: "Sản phẩm OCOP được yêu thích nhất".into(),
            registration_id: exhibitors[27],
            note: "Bình chọn của khách tham quan".into(),
        }),
        Event::SideEventHeld(SideEventHeld {
            side_event_id: Uuid::now_v7(),
            fair_id: fair_id.clone(),
            day: day(1),
            title: "Hội nghị kết nối cung cầu sản phẩm OCOP".into(),
            participants: Some(180),
            note: String::new(),
        }),
        Event::SideEventHeld(SideEventHeld {
            side_event_id: Uuid::now_v7(),
            fair_id: fair_id.clone(),
            day: day(3),
            title: "Tọa đàm bán hàng OCOP trên sàn thương mại điện tử".into(),
            participants: Some(95),
            note: String::new(),
        }),
    ];
    commands.extend(entries.into_iter().map(|e| ResultsCommand::Enter(Box::new(e))));
    commands.push(ResultsCommand::WriteNotes(
        "Hội chợ diễn ra an toàn, đúng kế hoạch.\nSức mua tăng mạnh vào hai ngày cuối tuần.".into(),
    ));
    for command in &commands {
        service::results::run(state, ctx, fair_id, command).await?;
    }
    Ok(())
}
