//! The fair's decisions, given its history.
use super::*;
use chrono::NaiveDate;

fn details() -> FairDetails {
    FairDetails {
        name: "Hội chợ".into(),
        venue: "Vincom".into(),
        start_date: NaiveDate::from_ymd_opt(2022, 1, 21).unwrap(),
        end_date: NaiveDate::from_ymd_opt(2022, 1, 25).unwrap(),
        time_zone: "Asia/Ho_Chi_Minh".into(),
        registration_opens_at: "2021-12-20T01:00:00Z".parse().unwrap(),
        registration_closes_at: "2022-01-10T10:00:00Z".parse().unwrap(),
        ..Default::default()
    }
}

fn booth(code: &str, zone: &str, price: i64) -> Booth {
    Booth {
        code: BoothCode::new_unchecked(code),
        zone: ZoneCode::new_unchecked(zone),
        kind: "standard".into(),
        width_m: 3.0,
        depth_m: 3.0,
        price_vnd: price,
        x: 0.0,
        y: 0.0,
        power: false,
    }
}

fn zone(code: &str) -> Zone {
    Zone {
        code: ZoneCode::new_unchecked(code),
        name: format!("Khu {code}"),
        colour: None,
    }
}

/// given(events).when(command) → the state the events build, then the decision.
fn given(events: &[Event]) -> FairState {
    let mut state = FairState::default();
    for e in events {
        state.apply(e);
    }
    state
}

fn created() -> Event {
    Event::FairCreated(FairCreated {
        fair_id: FairId::new_unchecked("f"),
        details: details(),
        copied_from: None,
    })
}

#[test]
fn creating_a_fair_twice_is_a_conflict() {
    let cmd = FairCommand::Create {
        fair_id: FairId::new_unchecked("f"),
        details: details(),
    };
    assert_eq!(decide(&given(&[]), &cmd).unwrap().len(), 1);
    assert!(matches!(
        decide(&given(&[created()]), &cmd),
        Err(DomainError::Conflict {
            code: "fair_exists",
            ..
        })
    ));
}

#[test]
fn commands_on_a_missing_fair_are_not_found() {
    let cmd = FairCommand::OpenRegistration { at: Utc::now() };
    assert_eq!(decide(&given(&[]), &cmd), Err(DomainError::NotFound("fair")));
}

#[test]
fn a_new_plan_is_the_difference_from_the_old_one() {
    let state = given(&[created()]);
    let first = FairCommand::DefinePlan {
        zones: vec![zone("A"), zone("B")],
        booths: vec![booth("A01", "A", 1), booth("A02", "A", 1), booth("B01", "B", 1)],
        floor: None,
        seen: None,
    };
    let events = decide(&state, &first).unwrap();
    let types: Vec<_> = events.iter().map(|e| e.event_type()).collect();
    assert_eq!(
        types,
        [
            "ZoneDefined",
            "ZoneDefined",
            "BoothDefined",
            "BoothDefined",
            "BoothDefined"
        ]
    );

    let mut history = vec![created()];
    history.extend(events);
    let state = given(&history);
    let second = FairCommand::DefinePlan {
        zones: vec![zone("A")],
        booths: vec![booth("A01", "A", 2), booth("A02", "A", 1)],
        floor: None,
        seen: None,
    };
    let types: Vec<_> = decide(&state, &second)
        .unwrap()
        .iter()
        .map(|e| e.event_type())
        .collect();
    assert_eq!(types, ["BoothRetired", "BoothChanged", "ZoneRetired"]);
    let same = FairCommand::DefinePlan {
        zones: vec![zone("A"), zone("B")],
        booths: vec![booth("A01", "A", 1), booth("A02", "A", 1), booth("B01", "B", 1)],
        floor: None,
        seen: None,
    };
    assert!(
        decide(&state, &same).unwrap().is_empty(),
        "the same plan changes nothing"
    );
}

#[test]
fn registration_follows_the_window_until_an_organizer_overrides_it() {
    let state = given(&[created()]);
    assert!(!state.registration_open("2021-12-01T00:00:00Z".parse().unwrap()));
    assert!(state.registration_open("2021-12-25T00:00:00Z".parse().unwrap()));
    let closed = given(&[
        created(),
        Event::RegistrationClosed(RegistrationClosed {
            fair_id: FairId::new_unchecked("f"),
            at: Utc::now(),
        }),
    ]);
    assert!(!closed.registration_open("2021-12-25T00:00:00Z".parse().unwrap()));
    let reopen = decide(&closed, &FairCommand::OpenRegistration { at: Utc::now() }).unwrap();
    assert_eq!(reopen.len(), 1);
    let again = decide(&closed, &FairCommand::CloseRegistration { at: Utc::now() }).unwrap();
    assert!(again.is_empty(), "closing a closed fair writes nothing");
}

fn planned() -> Vec<Event> {
    let mut history = vec![created()];
    history.extend(
        decide(
            &given(&[created()]),
            &FairCommand::DefinePlan {
                zones: vec![zone("A")],
                booths: vec![booth("A01", "A", 1), booth("A02", "A", 1), booth("A03", "A", 1)],
                floor: None,
                seen: None,
            },
        )
        .unwrap(),
    );
    history
}

fn standing(n: u128, approved: Option<u32>) -> Standing {
    Standing {
        registration_id: RegistrationId(uuid::Uuid::from_u128(n)),
        of_this_fair: true,
        approved_booths: approved,
    }
}

fn code(c: &str) -> BoothCode {
    BoothCode::new_unchecked(c)
}

fn after(history: &[Event], command: FairCommand) -> Vec<Event> {
    let mut all = history.to_vec();
    all.extend(decide(&given(history), &command).unwrap());
    all
}

fn refusal(history: &[Event], command: FairCommand) -> &'static str {
    match decide(&given(history), &command) {
        Err(DomainError::Conflict { code, .. }) => code,
        Err(DomainError::NotFound(what)) => what,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_booth_goes_to_one_approved_registration_within_its_count() {
    let one = standing(1, Some(1));
    let history = after(
        &planned(),
        FairCommand::Allocate {
            booth: code("A01"),
            registration: one,
        },
    );
    let state = given(&history);
    assert_eq!(state.held_by(&one.registration_id), [&code("A01")]);
    let allocate = |booth: &str, registration| FairCommand::Allocate {
        booth: code(booth),
        registration,
    };
    assert_eq!(refusal(&history, allocate("A01", standing(2, Some(1)))), "booth_taken");
    assert_eq!(refusal(&history, allocate("A02", one)), "over_approved_count");
    assert_eq!(refusal(&history, allocate("A02", standing(3, None))), "not_approved");
    assert_eq!(refusal(&history, allocate("Z09", one)), "booth");
    assert!(
        decide(&state, &allocate("A01", one)).unwrap().is_empty(),
        "already there"
    );
    let blocked = after(
        &history,
        FairCommand::Block {
            booth: code("A03"),
            reason: None,
        },
    );
    assert_eq!(
        refusal(&blocked, allocate("A03", standing(2, Some(1)))),
        "booth_blocked"
    );
    assert_eq!(
        refusal(
            &blocked,
            FairCommand::Move {
                from: code("A01"),
                to: code("A03")
            }
        ),
        "booth_blocked"
    );
}

#[test]
fn a_move_frees_one_booth_and_fills_another_in_one_event() {
    let one = standing(1, Some(1));
    let history = after(
        &planned(),
        FairCommand::Allocate {
            booth: code("A01"),
            registration: one,
        },
    );
    let events = decide(
        &given(&history),
        &FairCommand::Move {
            from: code("A01"),
            to: code("A02"),
        },
    )
    .unwrap();
    assert_eq!(events.len(), 1);
    let mut all = history.clone();
    all.extend(events);
    let state = given(&all);
    assert_eq!(state.held_by(&one.registration_id), [&code("A02")]);
    assert!(!state.holders.contains_key(&code("A01")));
}

#[test]
fn excess_booths_go_back_latest_code_first() {
    let two = standing(1, Some(3));
    let mut history = planned();
    for b in ["A03", "A01", "A02"] {
        history = after(
            &history,
            FairCommand::Allocate {
                booth: code(b),
                registration: two,
            },
        );
    }
    let released = decide(
        &given(&history),
        &FairCommand::ReleaseExcess {
            registration: standing(1, Some(1)),
            cause: ReleaseCause::OverApproved,
        },
    )
    .unwrap();
    let booths: Vec<_> = released
        .iter()
        .map(|e| match e {
            Event::BoothReleased(r) => r.booth.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(booths, ["A02", "A03"]);
}

#[test]
fn an_amendment_from_a_stale_form_is_refused_unless_it_changes_nothing() {
    let state = given(&[created()]);
    let seen = fingerprint(&details());
    let renamed = FairDetails {
        name: "Hội chợ mới".into(),
        ..details()
    };
    let amend = |details: FairDetails, seen: &str| FairCommand::Amend {
        details,
        seen: Some(seen.to_owned()),
    };
    assert_eq!(decide(&state, &amend(renamed.clone(), &seen)).unwrap().len(), 1);
    let history = after(&[created()], amend(renamed.clone(), &seen));
    let moved = FairDetails {
        venue: "Nhà văn hóa".into(),
        ..details()
    };
    assert_eq!(refusal(&history, amend(moved, &seen)), "details_changed");
    assert!(
        decide(&given(&history), &amend(renamed, &seen)).unwrap().is_empty(),
        "saving what is already there is no conflict"
    );
}

#[test]
fn a_copy_is_one_change_with_its_plan_blocks_and_rules() {
    let source = given(&planned());
    let rules = AllocationRules {
        zone_quotas: vec![hoicho_events::ZoneQuota {
            zone: ZoneCode::new_unchecked("A"),
            locality: hoicho_events::Locality::Commune,
            max: 2,
        }],
    };
    let copy = FairCommand::CreateCopy {
        fair_id: FairId::new_unchecked("g"),
        details: details(),
        from: FairId::new_unchecked("f"),
        zones: source.zones.values().cloned().collect(),
        booths: source.booths.values().cloned().collect(),
        blocked: vec![(code("A01"), Some("Ban tổ chức".into()))],
        rules,
        floor: Floor::default(),
        fees: None,
    };
    let events = decide(&given(&[]), &copy).unwrap();
    let types: Vec<_> = events.iter().map(|e| e.event_type()).collect();
    assert_eq!(
        types,
        [
            "FairCreated",
            "ZoneDefined",
            "BoothDefined",
            "BoothDefined",
            "BoothDefined",
            "BoothBlocked",
            "AllocationRulesSet"
        ]
    );
    let copied = given(&events);
    assert_eq!(copied.booths, source.booths);
    assert!(copied.holders.is_empty());
    assert_eq!(refusal(&events, copy), "fair_exists");
}
