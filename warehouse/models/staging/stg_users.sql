-- Users' analytic attributes, pseudonymised: the source user id and birth date stop here.
with source as (
    select * from {{ source('users') }}
),

typed as (
    select
        user_id,
        cast(date_of_birth as date) as date_of_birth,
        gender,
        shopping_preference,
        city,
        state,
        coalesce(membership_tier, 'none') as membership_tier,
        cast(created_at as timestamp) as created_at,
        cast(changed_at as timestamp) as changed_at
    from source
),

deduplicated as (
    select * from typed
    qualify row_number() over (partition by user_id order by changed_at desc) = 1
),

final as (
    select
        -- ids
        left(sha256(getvariable('pseudonym_key') || ':' || user_id), 16) as user_pseudonym,
        -- attributes
        date_diff('year', date_of_birth, cast(changed_at as date))
            - case when strftime(changed_at, '%m%d') < strftime(date_of_birth, '%m%d') then 1 else 0 end as age_at_change,
        date_diff('year', date_of_birth, cast(created_at as date))
            - case when strftime(created_at, '%m%d') < strftime(date_of_birth, '%m%d') then 1 else 0 end as age_at_signup,
        gender,
        shopping_preference,
        city,
        state,
        membership_tier,
        -- timestamps
        created_at,
        changed_at
    from deduplicated
)

select * from final
