-- One row per in-store sale line, with the member's user version and the product's price version in
-- effect when it was rung up, filed under the local day in the store's state.
with sales as (
    select * from {{ ref('stg_store_sales') }}
),

placed as (
    select
        x.*,
        s.store_key,
        coalesce(s.city, 'Unknown') as city,
        coalesce(s.state, '??') as state
    from sales x
    left join {{ ref('dim_store') }} s on s.store_id = x.store_id
),

zoned as (
    select p.*, coalesce(z.time_zone, d.time_zone) as time_zone
    from placed p
    left join {{ ref('state_time_zones') }} z on z.state = p.state
    left join {{ ref('state_time_zones') }} d on d.state = '??'
),

first_users as (
    select user_pseudonym, min(valid_from) as first_from from {{ ref('dim_user') }} group by user_pseudonym
),

first_products as (
    select product_id, min(valid_from) as first_from from {{ ref('dim_product') }} group by product_id
),

joined as (
    select
        -- ids and keys
        z.sale_id,
        u.user_key,
        p.product_key,
        z.store_key,
        cast(strftime(timezone(z.time_zone, timezone('UTC', z.sold_at)), '%Y%m%d') as integer) as date_key,
        cast(hash(z.state || '|' || z.city) >> 1 as bigint) as location_key,
        -- timestamps
        z.sold_at,
        -- measures
        z.quantity,
        z.unit_price,
        z.amount
    from zoned z
    left join first_users fu on fu.user_pseudonym = z.user_pseudonym
    -- (a moment before the first version is read as its start: plain comparisons keep these joins hash joins; an OR made them nested loops)
    left join {{ ref('dim_user') }} u
        on u.user_pseudonym = z.user_pseudonym
       and greatest(z.sold_at, fu.first_from) >= u.valid_from and greatest(z.sold_at, fu.first_from) < u.valid_to
    left join first_products fp on fp.product_id = z.product_id
    left join {{ ref('dim_product') }} p
        on p.product_id = z.product_id
       and greatest(z.sold_at, fp.first_from) >= p.valid_from and greatest(z.sold_at, fp.first_from) < p.valid_to
),

final as (
    select * from joined
)

select * from final
